import { createContext, useContext } from 'react';

/**
 * Whether a page is rendered inside the portal's main landmark (the layout's, or the one-hop link
 * page's). A page that can also stand alone (the error pages: /expired, a crash at the root) makes
 * its own main landmark only when it is not inside one: a page needs exactly one.
 */
export const InsideMain = createContext(false);

export const useInsideMain = () => useContext(InsideMain);
