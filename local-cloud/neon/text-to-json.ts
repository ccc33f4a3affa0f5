/**
 * Conversion of Postgres text output to JSON values, used only when a request does not send
 * `Neon-Raw-Text-Output: true` (@neondatabase/serverless always sends it). Mirrors Neon's proxy: bool, int2, int4,
 * float4 and float8 become JSON booleans and numbers (NaN and infinities stay strings), json and jsonb are parsed,
 * arrays become nested JSON arrays, everything else (int8, numeric, dates...) stays a string.
 */

const BOOL = 16;
const INT2 = 21;
const INT4 = 23;
const FLOAT4 = 700;
const FLOAT8 = 701;
const JSON_OID = 114;
const JSONB = 3802;

/**
 * Element type of the built-in array types whose text form uses `,` as the delimiter. Arrays of user-defined types
 * are not listed (the adapter does not look types up), so their values stay strings.
 */
const ARRAY_ELEMENT = new Map<number, number>([
  [1000, BOOL],
  [1005, INT2],
  [1007, INT4],
  [1021, FLOAT4],
  [1022, FLOAT8],
  [199, JSON_OID],
  [3807, JSONB],
  [1016, 20],
  [1001, 17],
  [1002, 18],
  [1003, 19],
  [1009, 25],
  [1014, 1042],
  [1015, 1043],
  [1028, 26],
  [1231, 1700],
  [1182, 1082],
  [1183, 1083],
  [1115, 1114],
  [1185, 1184],
  [1187, 1186],
  [1270, 1266],
  [2951, 2950],
  [1041, 869],
  [651, 650],
  [1040, 829],
  [775, 774],
  [1561, 1560],
  [1563, 1562],
  [143, 142],
  [4073, 4072],
  [3643, 3614],
  [3645, 3615],
  [3905, 3904],
  [3907, 3906],
  [3909, 3908],
  [3911, 3910],
  [3913, 3912],
  [3927, 3926],
  [1017, 600],
  [1018, 601],
  [1019, 602],
  [1027, 604],
  [719, 718],
  [629, 628],
]);

/** Converts one non-null text value of type `oid` to its JSON value. */
export function textToJson(value: string, oid: number): unknown {
  const element = ARRAY_ELEMENT.get(oid);
  if (element !== undefined) return parseArray(value, element);
  return scalar(value, oid);
}

function scalar(value: string, oid: number): unknown {
  switch (oid) {
    case BOOL:
      return value === "t";
    case INT2:
    case INT4:
      return Number.parseInt(value, 10);
    case FLOAT4:
    case FLOAT8: {
      const n = Number(value);
      // JSON has no NaN or Infinity: keep Postgres's spelling, as Neon does.
      return Number.isFinite(n) ? n : value;
    }
    case JSON_OID:
    case JSONB:
      return JSON.parse(value);
    default:
      return value;
  }
}

/**
 * Parses the text form of an array (https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO): optional
 * bounds decoration, nested braces, quoted items with backslash escapes, unquoted NULL.
 */
function parseArray(text: string, element: number): unknown[] {
  let s = text;
  if (s.startsWith("[")) {
    const eq = s.indexOf("=");
    if (eq < 0) throw new Error("unbalanced array");
    s = s.slice(eq + 1);
  }
  let i = 0;
  const skipSpace = (): void => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const parseList = (): unknown[] => {
    skipSpace();
    if (s[i] !== "{") throw new Error("unbalanced array");
    i++;
    const out: unknown[] = [];
    skipSpace();
    if (s[i] === "}") {
      i++;
      return out;
    }
    for (;;) {
      skipSpace();
      if (s[i] === "{") out.push(parseList());
      else if (s[i] === '"') out.push(scalar(readQuoted(), element));
      else {
        const start = i;
        while (i < s.length && s[i] !== "," && s[i] !== "}") i++;
        const item = s.slice(start, i).trimEnd();
        out.push(item === "NULL" ? null : scalar(item, element));
      }
      skipSpace();
      if (s[i] === ",") {
        i++;
        continue;
      }
      if (s[i] === "}") {
        i++;
        return out;
      }
      throw new Error("unbalanced array");
    }
  };
  const readQuoted = (): string => {
    i++; // opening quote
    let out = "";
    while (i < s.length) {
      const c = s[i++]!;
      if (c === '"') return out;
      if (c === "\\") {
        if (i >= s.length) break;
        out += s[i++];
      } else out += c;
    }
    throw new Error("unbalanced quoted string");
  };
  const list = parseList();
  skipSpace();
  if (i !== s.length) throw new Error("unbalanced array");
  return list;
}
