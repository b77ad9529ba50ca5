// The one module that loads @peculiar/x509. Import it from here, never directly: the library
// resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill to be
// installed before @peculiar/x509 is evaluated, and ES modules evaluate imports in order.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// Signature checks and key exports go through Node's WebCrypto.
x509.cryptoProvider.set(webcrypto);

export { x509 };
