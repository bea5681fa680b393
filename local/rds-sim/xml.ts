/** XML helpers for the RDS Query protocol's responses. */

export const RDS_XMLNS = 'http://rds.amazonaws.com/doc/2014-10-31/';

/** Escapes text for an XML element body. */
export function xmlEscape(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** `<name>value</name>`, or nothing when the value is undefined. */
export function el(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

/** `<name>...children...</name>` for already-built XML. */
export function wrap(name: string, inner: string): string {
  return `<${name}>${inner}</${name}>`;
}

/** The namespace of STS's Query responses (API version 2011-06-15). */
export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** The AWS Query success envelope: `<XResponse><XResult>..</XResult><ResponseMetadata>..`. */
export function queryResponse(
  action: string,
  resultXml: string,
  requestId: string,
  xmlns = RDS_XMLNS,
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${xmlns}">` +
    `<${action}Result>${resultXml}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

/** The AWS Query error envelope, as RDS (and, with its namespace, STS) sends it. */
export function errorResponse(
  type: string,
  code: string,
  message: string,
  requestId: string,
  xmlns = RDS_XMLNS,
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${xmlns}">` +
    `<Error><Type>${xmlEscape(type)}</Type><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/** `<List><Item>{tag}</Item>..</List>` for a tag map, as RDS's TagList. */
export function tagList(tags: Record<string, string>): string {
  return wrap(
    'TagList',
    Object.entries(tags)
      .map(([k, v]) => wrap('Tag', el('Key', k) + el('Value', v)))
      .join(''),
  );
}
