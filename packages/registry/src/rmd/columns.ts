import { headerKey } from '../csv/readCsv';
import type { RmdField } from './types';

/**
 * Header spellings per field, compared after `headerKey` (no case, spaces, underscores or
 * punctuation). The first of each list is the name in the research copies in ../shared/data/rmd;
 * the others are the FCC site's own labels and spellings people use when they re-save the file.
 */
const ALIASES: Record<RmdField, readonly string[]> = {
  filingNumber: ['number', 'rmdnumber', 'rmd', 'rmdid', 'rmdfilingnumber', 'filingnumber', 'filingid'],
  frn: ['frn', 'fccregistrationnumber', 'frnnumber', 'registrationnumber'],
  businessName: ['businessname', 'name', 'companyname', 'providername', 'legalname', 'entityname'],
  dbaNames: ['otherdbanames', 'otherdbaname', 'dbanames', 'dbaname', 'dba', 'doingbusinessas'],
  previousDbaNames: ['previousdbanames', 'previousdbaname', 'previousnames', 'previousbusinessnames'],
  otherFrns: ['otherfrns', 'otherfrn', 'additionalfrns'],
  address: ['businessaddress', 'address'],
  country: ['country', 'businesscountry'],
  foreignProvider: ['foreignvoiceprovider', 'foreignprovider', 'foreign'],
  implementation: [
    'implementation',
    'stirshakenimplementation',
    'implementationstatus',
    'stirshakenstatus',
    'stirshaken',
  ],
  voice: ['voiceserviceproviderchoice', 'voiceserviceprovider', 'voiceprovider'],
  gateway: ['gatewayproviderchoice', 'gatewayprovider'],
  intermediate: ['intermediateproviderchoice', 'intermediateprovider'],
  contactName: ['robocallmitigationcontactname', 'contactname'],
  contactTitle: ['contacttitle', 'robocallmitigationcontacttitle'],
  contactDepartment: ['contactdepartment', 'robocallmitigationcontactdepartment'],
  contactAddress: ['contactbusinessaddress', 'contactaddress'],
  contactCountry: ['contactcountry'],
  contactPhone: ['contacttelephonenumber', 'contactphonenumber', 'contactphone', 'telephonenumber'],
  contactExtension: ['contactphoneextension', 'contactextension', 'extension'],
  contactEmail: ['contactemail', 'contactemailaddress', 'email'],
  lastUpdated: ['lastupdated', 'datelastupdated', 'lastupdateddate', 'updated', 'updatedon'],
  filingUrl: ['filingurl', 'url', 'link'],
};

const FIELD_BY_KEY = new Map<string, RmdField>(
  (Object.entries(ALIASES) as Array<[RmdField, readonly string[]]>).flatMap(([field, keys]) =>
    keys.map((key) => [key, field] as const),
  ),
);

export interface ColumnMap {
  /** Field → index of the column it is read from. */
  index: Partial<Record<RmdField, number>>;
  /** Field → header as written in the file. */
  headers: Partial<Record<RmdField, string>>;
  ignored: string[];
  /** Headers that name a field already taken by an earlier column (the earlier one is used). */
  repeated: string[];
}

export function mapRmdColumns(header: readonly string[]): ColumnMap {
  const index: Partial<Record<RmdField, number>> = {};
  const headers: Partial<Record<RmdField, string>> = {};
  const ignored: string[] = [];
  const repeated: string[] = [];
  header.forEach((name, i) => {
    const field = FIELD_BY_KEY.get(headerKey(name));
    if (!field) ignored.push(name);
    else if (index[field] !== undefined) repeated.push(name);
    else {
      index[field] = i;
      headers[field] = name;
    }
  });
  return { index, headers, ignored, repeated };
}
