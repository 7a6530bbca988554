/** OCS envelope and serialisation (ocs-provisioning §4), byte for byte against the spec's examples. */
import { escapeJsonText, stringifyEscapedJson } from '../../src/core/jsonEscape';
import { quotaReport } from '../../src/core/quota';
import {
  chooseFormat,
  ocsHttpStatus,
  renderOcsResponse,
  type OcsResponseInput,
  type OcsValue,
} from '../../src/adapters/ocs/envelope';
import { escapeXmlText, xmlElementName } from '../../src/adapters/ocs/ocsXml';

const XML = 'application/xml; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const INVALID_QUERY =
  'Invalid query, please check the syntax. API specifications are here: http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.\n';

/** The XML document of §4.5 around a `<data>` block given as its lines (indent included). */
function xmlDocument(version: 1 | 2, status: string, statuscode: number, message: string, dataLines: string[]): string {
  return [
    '<?xml version="1.0"?>',
    '<ocs>',
    ' <meta>',
    `  <status>${status}</status>`,
    `  <statuscode>${statuscode}</statuscode>`,
    `  <message>${message}</message>`,
    ...(version === 1 ? ['  <totalitems></totalitems>', '  <itemsperpage></itemsperpage>'] : []),
    ' </meta>',
    ...dataLines,
    '</ocs>',
    '',
  ].join('\n');
}

function render(input: OcsResponseInput) {
  return renderOcsResponse(input);
}

describe('§4.6 examples, exact bytes', () => {
  test('v1, XML, GET /users', () => {
    const response = render({ version: 1, format: 'xml', statuscode: 100, data: { users: ['admin', 'alice'] } });
    expect(response).toEqual({
      httpStatus: 200,
      contentType: XML,
      body: `<?xml version="1.0"?>
<ocs>
 <meta>
  <status>ok</status>
  <statuscode>100</statuscode>
  <message>OK</message>
  <totalitems></totalitems>
  <itemsperpage></itemsperpage>
 </meta>
 <data>
  <users>
   <element>admin</element>
   <element>alice</element>
  </users>
 </data>
</ocs>
`,
    });
  });

  test('v2, JSON, successful creation', () => {
    expect(render({ version: 2, format: 'json', statuscode: 200, data: { id: 'Frank' } })).toEqual({
      httpStatus: 200,
      contentType: JSON_TYPE,
      body: '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"id":"Frank"}}}',
    });
  });

  test('v1, JSON, successful mutation (no data)', () => {
    expect(render({ version: 1, format: 'json', statuscode: 100 })).toEqual({
      httpStatus: 200,
      contentType: JSON_TYPE,
      body: '{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""},"data":[]}}',
    });
  });

  test('v2, JSON, creating an existing user (HTTP 400)', () => {
    expect(render({ version: 2, format: 'json', statuscode: 102, message: 'User already exists' })).toEqual({
      httpStatus: 400,
      contentType: JSON_TYPE,
      body: '{"ocs":{"meta":{"status":"failure","statuscode":102,"message":"User already exists"},"data":[]}}',
    });
  });

  test('v2, XML, same error', () => {
    expect(render({ version: 2, format: 'xml', statuscode: 102, message: 'User already exists' })).toEqual({
      httpStatus: 400,
      contentType: XML,
      body: `<?xml version="1.0"?>
<ocs>
 <meta>
  <status>failure</status>
  <statuscode>102</statuscode>
  <message>User already exists</message>
 </meta>
 <data/>
</ocs>
`,
    });
  });

  test('v1 plain user on GET /users (HTTP 200)', () => {
    expect(
      render({ version: 1, format: 'json', statuscode: 403, message: 'Logged in account must be at least a sub admin' }),
    ).toEqual({
      httpStatus: 200,
      contentType: JSON_TYPE,
      body: '{"ocs":{"meta":{"status":"failure","statuscode":403,"message":"Logged in account must be at least a sub admin","totalitems":"","itemsperpage":""},"data":[]}}',
    });
  });

  test('the same v1 denial in XML, and its v2 twin with HTTP 403', () => {
    const message = 'Logged in account must be at least a sub admin';
    expect(render({ version: 1, format: 'xml', statuscode: 403, message }).body).toBe(
      xmlDocument(1, 'failure', 403, message, [' <data/>']),
    );
    expect(render({ version: 2, format: 'xml', statuscode: 403, message })).toEqual({
      httpStatus: 403,
      contentType: XML,
      body: xmlDocument(2, 'failure', 403, message, [' <data/>']),
    });
  });
});

/** The §5.1 example: admin reading alice. */
const alice: OcsValue = {
  enabled: true,
  storageLocation: '',
  id: 'alice',
  lastLogin: 1767225600000,
  backend: 'Database',
  subadmin: [],
  quota: quotaReport(26843545600),
  manager: '',
  email: 'alice@example.com',
  additional_mail: [],
  displayname: 'Alice Adams',
  'display-name': 'Alice Adams',
  phone: '',
  address: '',
  website: '',
  twitter: '',
  fediverse: '',
  organisation: '',
  role: '',
  headline: '',
  biography: '',
  profile_enabled: '1',
  groups: ['team'],
  language: 'en',
  locale: '',
  notify_email: null,
  backendCapabilities: { setDisplayName: true, setPassword: true },
};

describe('§5.1 user object', () => {
  test('JSON is the spec example without its reading line breaks', () => {
    const expected =
      '{"enabled":true,"storageLocation":"","id":"alice","lastLogin":1767225600000,"backend":"Database",' +
      '"subadmin":[],"quota":{"free":26843545600,"used":0,"total":26843545600,"relative":0,"quota":26843545600},' +
      '"manager":"","email":"alice@example.com","additional_mail":[],"displayname":"Alice Adams",' +
      '"display-name":"Alice Adams","phone":"","address":"","website":"","twitter":"","fediverse":"",' +
      '"organisation":"","role":"","headline":"","biography":"","profile_enabled":"1","groups":["team"],' +
      '"language":"en","locale":"","notify_email":null,"backendCapabilities":{"setDisplayName":true,"setPassword":true}}';
    expect(render({ version: 2, format: 'json', statuscode: 200, data: alice }).body).toBe(
      `{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":${expected}}}`,
    );
  });

  test('XML begins as the spec shows and renders booleans, empty strings, null and nested maps', () => {
    const body = render({ version: 2, format: 'xml', statuscode: 200, data: alice }).body;
    expect(body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [
        ' <data>',
        '  <enabled>1</enabled>',
        '  <storageLocation></storageLocation>',
        '  <id>alice</id>',
        '  <lastLogin>1767225600000</lastLogin>',
        '  <backend>Database</backend>',
        '  <subadmin/>',
        '  <quota>',
        '   <free>26843545600</free>',
        '   <used>0</used>',
        '   <total>26843545600</total>',
        '   <relative>0</relative>',
        '   <quota>26843545600</quota>',
        '  </quota>',
        '  <manager></manager>',
        '  <email>alice@example.com</email>',
        '  <additional_mail/>',
        '  <displayname>Alice Adams</displayname>',
        '  <display-name>Alice Adams</display-name>',
        '  <phone></phone>',
        '  <address></address>',
        '  <website></website>',
        '  <twitter></twitter>',
        '  <fediverse></fediverse>',
        '  <organisation></organisation>',
        '  <role></role>',
        '  <headline></headline>',
        '  <biography></biography>',
        '  <profile_enabled>1</profile_enabled>',
        '  <groups>',
        '   <element>team</element>',
        '  </groups>',
        '  <language>en</language>',
        '  <locale></locale>',
        '  <notify_email/>',
        '  <backendCapabilities>',
        '   <setDisplayName>1</setDisplayName>',
        '   <setPassword>1</setPassword>',
        '  </backendCapabilities>',
        ' </data>',
      ]),
    );
  });

  test('unlimited quota and false booleans (acceptance 19)', () => {
    const data = { enabled: false, quota: quotaReport('none'), backendCapabilities: { setDisplayName: false, setPassword: false } };
    expect(render({ version: 1, format: 'json', statuscode: 100, data }).body).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""},"data":' +
        '{"enabled":false,"quota":{"free":-3,"used":0,"total":-3,"relative":0,"quota":-3},' +
        '"backendCapabilities":{"setDisplayName":false,"setPassword":false}}}}',
    );
    expect(render({ version: 1, format: 'xml', statuscode: 100, data }).body).toBe(
      xmlDocument(1, 'ok', 100, 'OK', [
        ' <data>',
        '  <enabled></enabled>',
        '  <quota>',
        '   <free>-3</free>',
        '   <used>0</used>',
        '   <total>-3</total>',
        '   <relative>0</relative>',
        '   <quota>-3</quota>',
        '  </quota>',
        '  <backendCapabilities>',
        '   <setDisplayName></setDisplayName>',
        '   <setPassword></setPassword>',
        '  </backendCapabilities>',
        ' </data>',
      ]),
    );
  });
});

describe('lists, maps and empty data', () => {
  test('§6.1 no match: JSON "users":[], XML <users/>', () => {
    expect(render({ version: 2, format: 'json', statuscode: 200, data: { users: [] } }).body).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"users":[]}}}',
    );
    expect(render({ version: 2, format: 'xml', statuscode: 200, data: { users: [] } }).body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [' <data>', '  <users/>', ' </data>']),
    );
  });

  test('§6.2 empty details map: JSON "users":[] (an empty map is []), XML <users/>', () => {
    for (const users of [{}, new Map<string, OcsValue>()]) {
      expect(render({ version: 1, format: 'json', statuscode: 100, data: { users } }).body).toBe(
        '{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""},"data":{"users":[]}}}',
      );
      expect(render({ version: 1, format: 'xml', statuscode: 100, data: { users } }).body).toBe(
        xmlDocument(1, 'ok', 100, 'OK', [' <data>', '  <users/>', ' </data>']),
      );
    }
  });

  test('§6.15 bare list data, and an empty one', () => {
    expect(render({ version: 2, format: 'json', statuscode: 200, data: ['team'] }).body).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":["team"]}}',
    );
    expect(render({ version: 2, format: 'xml', statuscode: 200, data: ['team'] }).body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [' <data>', '  <element>team</element>', ' </data>']),
    );
    expect(render({ version: 2, format: 'json', statuscode: 200, data: [] }).body).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":[]}}',
    );
    expect(render({ version: 2, format: 'xml', statuscode: 200, data: [] }).body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [' <data/>']),
    );
  });

  test('an empty map as data (mutation) is [] and <data/>; absent data is the same', () => {
    for (const data of [{}, undefined]) {
      expect(render({ version: 2, format: 'json', statuscode: 200, data }).body).toBe(
        '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":[]}}',
      );
      expect(render({ version: 1, format: 'xml', statuscode: 100, data }).body).toBe(
        xmlDocument(1, 'ok', 100, 'OK', [' <data/>']),
      );
    }
  });

  test('§7.2 group details list: JSON items, XML <element> items with canAdd 1', () => {
    const data = { groups: [{ id: 'team', displayname: 'Team', usercount: 2, disabled: 0, canAdd: true, canRemove: true }] };
    expect(render({ version: 2, format: 'json', statuscode: 200, data }).body).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"groups":[' +
        '{"id":"team","displayname":"Team","usercount":2,"disabled":0,"canAdd":true,"canRemove":true}]}}}',
    );
    expect(render({ version: 2, format: 'xml', statuscode: 200, data }).body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [
        ' <data>',
        '  <groups>',
        '   <element>',
        '    <id>team</id>',
        '    <displayname>Team</displayname>',
        '    <usercount>2</usercount>',
        '    <disabled>0</disabled>',
        '    <canAdd>1</canAdd>',
        '    <canRemove>1</canRemove>',
        '   </element>',
        '  </groups>',
        ' </data>',
      ]),
    );
  });

  test('§8.3 app info map, exactly the spec fragment', () => {
    const data = {
      id: 'mail',
      name: 'Mail',
      description: 'Outgoing email over SMTP (welcome emails)',
      version: '1.4.0',
      licence: 'AGPL-3.0-or-later',
      author: 'Roster contributors',
      types: ['notification'],
    };
    const fragment = ` <data>
  <id>mail</id>
  <name>Mail</name>
  <description>Outgoing email over SMTP (welcome emails)</description>
  <version>1.4.0</version>
  <licence>AGPL-3.0-or-later</licence>
  <author>Roster contributors</author>
  <types>
   <element>notification</element>
  </types>
 </data>`;
    expect(render({ version: 1, format: 'xml', statuscode: 100, data }).body).toBe(
      xmlDocument(1, 'ok', 100, 'OK', fragment.split('\n')),
    );
    expect(render({ version: 1, format: 'json', statuscode: 100, data: { apps: ['jsonrpc', 'mail'] } }).body).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""},"data":{"apps":["jsonrpc","mail"]}}}',
    );
  });

  test('acceptance 36: key a@b.c stays a JSON key and becomes <element> in XML; all-digit ids keep list order in a Map', () => {
    const users = new Map<string, OcsValue>([
      ['a@b.c', { id: 'a@b.c' }],
      ['bob', { id: 'bob' }],
      ['123', { id: '123' }],
    ]);
    expect(render({ version: 2, format: 'json', statuscode: 200, data: { users } }).body).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"users":' +
        '{"a@b.c":{"id":"a@b.c"},"bob":{"id":"bob"},"123":{"id":"123"}}}}}',
    );
    expect(render({ version: 2, format: 'xml', statuscode: 200, data: { users } }).body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [
        ' <data>',
        '  <users>',
        '   <element>',
        '    <id>a@b.c</id>',
        '   </element>',
        '   <bob>',
        '    <id>bob</id>',
        '   </bob>',
        '   <element>',
        '    <id>123</id>',
        '   </element>',
        '  </users>',
        ' </data>',
      ]),
    );
  });

  test('members whose value is undefined are left out in both formats', () => {
    const data = { a: 'x', b: undefined, c: null };
    expect(render({ version: 2, format: 'json', statuscode: 200, data }).body).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"a":"x","c":null}}}',
    );
    expect(render({ version: 2, format: 'xml', statuscode: 200, data }).body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [' <data>', '  <a>x</a>', '  <c/>', ' </data>']),
    );
  });

  test('scalar data and nested lists', () => {
    expect(render({ version: 2, format: 'xml', statuscode: 200, data: 'x' }).body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [' <data>x</data>']),
    );
    expect(render({ version: 2, format: 'xml', statuscode: 200, data: null }).body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [' <data/>']),
    );
    expect(render({ version: 2, format: 'json', statuscode: 200, data: null }).body).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":null}}',
    );
    expect(render({ version: 2, format: 'xml', statuscode: 200, data: [[1, true], [], ['']] }).body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [
        ' <data>',
        '  <element>',
        '   <element>1</element>',
        '   <element>1</element>',
        '  </element>',
        '  <element/>',
        '  <element>',
        '   <element></element>',
        '  </element>',
        ' </data>',
      ]),
    );
    expect(render({ version: 2, format: 'json', statuscode: 200, data: [[1, true], [], [''], {}] }).body).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":[[1,true],[],[""],[]]}}',
    );
  });

  test('values outside the OCS data model are refused', () => {
    expect(() => render({ version: 2, format: 'json', statuscode: 200, data: { n: Number.NaN } })).toThrow(TypeError);
    expect(() => render({ version: 2, format: 'xml', statuscode: 200, data: { n: Number.POSITIVE_INFINITY } })).toThrow(TypeError);
    const bad = { f: () => 1 } as unknown as OcsValue;
    expect(() => render({ version: 2, format: 'json', statuscode: 200, data: bad })).toThrow(TypeError);
    expect(() => render({ version: 2, format: 'xml', statuscode: 200, data: bad })).toThrow(TypeError);
    const hole = [undefined] as unknown as OcsValue;
    expect(() => render({ version: 2, format: 'json', statuscode: 200, data: hole })).toThrow(TypeError);
    expect(() => render({ version: 2, format: 'xml', statuscode: 200, data: hole })).toThrow(TypeError);
    expect(() => render({ version: 2, format: 'xml', statuscode: 1.5 })).toThrow(RangeError);
  });
});

describe('failures: meta, empty data and messages', () => {
  test('data given with a failure is not written (§4.2: data is empty)', () => {
    expect(render({ version: 1, format: 'json', statuscode: 101, data: { id: 'x' } }).body).toBe(
      '{"ocs":{"meta":{"status":"failure","statuscode":101,"message":"","totalitems":"","itemsperpage":""},"data":[]}}',
    );
    expect(render({ version: 1, format: 'xml', statuscode: 101, data: { id: 'x' } }).body).toBe(
      xmlDocument(1, 'failure', 101, '', [' <data/>']),
    );
  });

  test('998 unknown path: message ends with one newline; v1 HTTP 200, v2 HTTP 404', () => {
    const v1 = render({ version: 1, format: 'xml', statuscode: 998, message: INVALID_QUERY });
    expect(v1.httpStatus).toBe(200);
    expect(v1.body).toBe(xmlDocument(1, 'failure', 998, INVALID_QUERY, [' <data/>']));
    const v2 = render({ version: 2, format: 'json', statuscode: 998, message: INVALID_QUERY });
    expect(v2.httpStatus).toBe(404);
    expect(v2.body).toBe(
      '{"ocs":{"meta":{"status":"failure","statuscode":998,"message":"Invalid query, please check the syntax. ' +
        'API specifications are here: http:\\/\\/www.freedesktop.org\\/wiki\\/Specifications\\/open-collaboration-services.\\n"},"data":[]}}',
    );
  });

  test('997 is HTTP 401 on both versions with empty data', () => {
    for (const version of [1, 2] as const) {
      const response = render({ version, format: 'json', statuscode: 997, message: 'Current user is not logged in' });
      expect(response.httpStatus).toBe(401);
      expect(response.body).toBe(
        `{"ocs":{"meta":{"status":"failure","statuscode":997,"message":"Current user is not logged in"${
          version === 1 ? ',"totalitems":"","itemsperpage":""' : ''
        }},"data":[]}}`,
      );
    }
  });

  test('996 internal error: v1 HTTP 200, v2 HTTP 500', () => {
    const message = 'Internal Server Error\n';
    expect(render({ version: 1, format: 'xml', statuscode: 996, message })).toEqual({
      httpStatus: 200,
      contentType: XML,
      body: xmlDocument(1, 'failure', 996, 'Internal Server Error\n', [' <data/>']),
    });
    expect(render({ version: 2, format: 'xml', statuscode: 996, message }).httpStatus).toBe(500);
  });

  test('success statuscode is 100 on v1 and 200 on v2 whichever of the two is passed', () => {
    expect(render({ version: 1, format: 'json', statuscode: 200 }).body).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""},"data":[]}}',
    );
    expect(render({ version: 2, format: 'xml', statuscode: 100 }).body).toBe(xmlDocument(2, 'ok', 200, 'OK', [' <data/>']));
  });
});

describe('§4.3 HTTP status', () => {
  test.each([
    // [statuscode, v1, v2]
    [100, 200, 200],
    [200, 200, 200],
    [997, 401, 401],
    [998, 200, 404],
    [996, 200, 500],
    [999, 200, 400], // issue 8: a client's unknown key, no 5xx (the spec says 500)
    [403, 200, 403],
    [404, 200, 404],
    [201, 200, 201],
    [600, 200, 600],
    [601, 200, 400],
    [199, 200, 400],
    [101, 200, 400],
    [102, 200, 400],
    [103, 200, 400],
    [109, 200, 400],
    [113, 200, 400],
    [995, 200, 400],
  ])('statuscode %d → v1 %d, v2 %d', (statuscode, v1, v2) => {
    expect(ocsHttpStatus(1, statuscode)).toBe(v1);
    expect(ocsHttpStatus(2, statuscode)).toBe(v2);
    expect(render({ version: 1, format: 'json', statuscode }).httpStatus).toBe(v1);
    expect(render({ version: 2, format: 'xml', statuscode }).httpStatus).toBe(v2);
  });
});

describe('§4.4 JSON string escaping', () => {
  test('acceptance 37: <b>/España', () => {
    expect(stringifyEscapedJson('<b>/España')).toBe('"\\u003Cb\\u003E\\/Espa\\u00f1a"');
    expect(render({ version: 2, format: 'json', statuscode: 200, data: { id: '<b>/España' } }).body).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"id":"\\u003Cb\\u003E\\/Espa\\u00f1a"}}}',
    );
  });

  test('keys are escaped too; control characters, quotes and backslashes as JSON.stringify writes them', () => {
    expect(render({ version: 2, format: 'json', statuscode: 200, data: { 'ä/<>': 'a"b\\c\n\r\t\u0001\u007f' } }).body).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"\\u00e4\\/\\u003C\\u003E":"a\\"b\\\\c\\n\\r\\t\\u0001\u007f"}}}',
    );
  });

  test('non-ASCII is lowercase \\uXXXX; above U+FFFF a surrogate pair; U+2028 escaped; lone surrogates escaped', () => {
    expect(escapeJsonText(JSON.stringify('É€😀\u2028\ud800'))).toBe('"\\u00c9\\u20ac\\ud83d\\ude00\\u2028\\ud800"');
    expect(stringifyEscapedJson('\\/')).toBe('"\\\\\\/"');
    expect(JSON.parse(stringifyEscapedJson({ s: '<b>/España😀' }))).toEqual({ s: '<b>/España😀' });
  });

  test('messages are escaped like data', () => {
    expect(render({ version: 2, format: 'json', statuscode: 104, message: 'group <España> does not exist' }).body).toBe(
      '{"ocs":{"meta":{"status":"failure","statuscode":104,"message":"group \\u003CEspa\\u00f1a\\u003E does not exist"},"data":[]}}',
    );
  });

  test('stringifyEscapedJson refuses values JSON cannot write', () => {
    expect(() => stringifyEscapedJson(undefined)).toThrow(TypeError);
  });
});

describe('§4.5 XML text escaping and names', () => {
  test('& < > " and CR are escaped; apostrophe, LF, tab and non-ASCII are raw', () => {
    expect(escapeXmlText(`a&b<c>d"e'f\r\ng\th España 😀`)).toBe(`a&amp;b&lt;c&gt;d&quot;e'f&#13;\ng\th España 😀`);
  });

  test('characters outside XML 1.0 are dropped (controls, lone surrogates, U+FFFE, U+FFFF)', () => {
    expect(escapeXmlText('a\u0000b\u0001c\u0008d\u000be\u000cf\u001fg\ud800h\udc00i\ufffej\uffffk\u0085l\ud7ff\ue000\ufffd')).toBe(
      'abcdefghijk\u0085l\ud7ff\ue000\ufffd',
    );
  });

  test('in a document, message and data text are escaped', () => {
    const data = { displayname: 'Tom & "Jerry" <3', group: 'España' };
    expect(render({ version: 2, format: 'xml', statuscode: 200, message: 'a<b', data }).body).toBe(
      xmlDocument(2, 'ok', 200, 'a&lt;b', [
        ' <data>',
        '  <displayname>Tom &amp; &quot;Jerry&quot; &lt;3</displayname>',
        '  <group>España</group>',
        ' </data>',
      ]),
    );
  });

  test('a string made only of invalid characters is an empty element <x></x>', () => {
    expect(render({ version: 2, format: 'xml', statuscode: 200, data: { x: '\u0001' } }).body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [' <data>', '  <x></x>', ' </data>']),
    );
  });

  test.each([
    ['users', 'users'],
    ['display-name', 'display-name'],
    ['_x.y-z9', '_x.y-z9'],
    ['A', 'A'],
    ['a@b.c', 'element'],
    ['123', 'element'],
    ['1abc', 'element'],
    ['john doe', 'element'],
    ['', 'element'],
    ['-x', 'element'],
    ['.x', 'element'],
    ['a:b', 'element'],
    ['España', 'element'],
  ])('key %j → <%s>', (key, name) => {
    expect(xmlElementName(key)).toBe(name);
  });
});

describe('§4.5 documents written with xmlbuilder2', () => {
  test('text that looks like entities is escaped again, so it reads back as written', () => {
    expect(escapeXmlText('&amp; &quot; &#13;')).toBe('&amp;amp; &amp;quot; &amp;#13;');
    const data = { displayname: '&amp; &quot; &#13;', note: '&lt;&gt;&apos;' };
    expect(render({ version: 2, format: 'xml', statuscode: 200, message: '&amp;', data }).body).toBe(
      xmlDocument(2, 'ok', 200, '&amp;amp;', [
        ' <data>',
        '  <displayname>&amp;amp; &amp;quot; &amp;#13;</displayname>',
        '  <note>&amp;lt;&amp;gt;&amp;apos;</note>',
        ' </data>',
      ]),
    );
  });

  test('a carriage return becomes &#13; in data and message; LF and tab stay raw', () => {
    const data = { text: 'a\r\nb\rc\td', list: ['\r', '\r\r'] };
    expect(render({ version: 1, format: 'xml', statuscode: 101, message: 'line\r\n' }).body).toBe(
      xmlDocument(1, 'failure', 101, 'line&#13;\n', [' <data/>']),
    );
    expect(render({ version: 2, format: 'xml', statuscode: 200, data }).body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [
        ' <data>',
        '  <text>a&#13;',
        'b&#13;c\td</text>',
        '  <list>',
        '   <element>&#13;</element>',
        '   <element>&#13;&#13;</element>',
        '  </list>',
        ' </data>',
      ]),
    );
  });

  test('a double quote becomes &quot;, an apostrophe stays raw', () => {
    expect(render({ version: 2, format: 'xml', statuscode: 200, data: { q: `say "hi" it's` } }).body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [' <data>', '  <q>say &quot;hi&quot; it\'s</q>', ' </data>']),
    );
  });

  test('invalid characters are dropped in documents; non-ASCII and astral characters stay raw', () => {
    const data = { t: 'a\u0000b\ud800c\uffffd España 😀 \u2028' };
    expect(render({ version: 2, format: 'xml', statuscode: 200, data }).body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [' <data>', '  <t>abcd España 😀 \u2028</t>', ' </data>']),
    );
  });

  test('nested maps, lists, empty containers, null and booleans keep the §4.5 layout', () => {
    const data: OcsValue = {
      outer: {
        list: [null, true, false, '', 0, -3, [], {}, new Map<string, OcsValue>(), { inner: [[['deep']]] }],
        map: new Map<string, OcsValue>([
          ['1', null],
          ['ok', { empty: [], none: null, no: false, yes: true }],
        ]),
        'x y': 'spaced key',
        xmlns: 'a name the library must not treat as a namespace',
      },
      last: [],
    };
    expect(render({ version: 1, format: 'xml', statuscode: 100, data }).body).toBe(
      xmlDocument(1, 'ok', 100, 'OK', [
        ' <data>',
        '  <outer>',
        '   <list>',
        '    <element/>',
        '    <element>1</element>',
        '    <element></element>',
        '    <element></element>',
        '    <element>0</element>',
        '    <element>-3</element>',
        '    <element/>',
        '    <element/>',
        '    <element/>',
        '    <element>',
        '     <inner>',
        '      <element>',
        '       <element>',
        '        <element>deep</element>',
        '       </element>',
        '      </element>',
        '     </inner>',
        '    </element>',
        '   </list>',
        '   <map>',
        '    <element/>',
        '    <ok>',
        '     <empty/>',
        '     <none/>',
        '     <no></no>',
        '     <yes>1</yes>',
        '    </ok>',
        '   </map>',
        '   <element>spaced key</element>',
        '   <xmlns>a name the library must not treat as a namespace</xmlns>',
        '  </outer>',
        '  <last/>',
        ' </data>',
      ]),
    );
  });

  test('a big document (10,000 list items) is complete and ends with one newline', () => {
    const ids = Array.from({ length: 10_000 }, (_, index) => `user${index}&"${index}"`);
    const body = render({ version: 1, format: 'xml', statuscode: 100, data: { users: ids } }).body;
    expect(body).toBe(
      xmlDocument(1, 'ok', 100, 'OK', [
        ' <data>',
        '  <users>',
        ...ids.map((_, index) => `   <element>user${index}&amp;&quot;${index}&quot;</element>`),
        '  </users>',
        ' </data>',
      ]),
    );
    expect(body.endsWith('</ocs>\n')).toBe(true);
    expect(body.endsWith('\n\n')).toBe(false);
  });

  test('every document is independent: a refused value leaves the next document intact', () => {
    const bad = { f: Symbol('x') } as unknown as OcsValue;
    expect(() => render({ version: 2, format: 'xml', statuscode: 200, data: bad })).toThrow(TypeError);
    expect(render({ version: 2, format: 'xml', statuscode: 200, data: { a: 'x' } }).body).toBe(
      xmlDocument(2, 'ok', 200, 'OK', [' <data>', '  <a>x</a>', ' </data>']),
    );
  });
});

describe('§4.1 chooseFormat', () => {
  test.each([
    // [format parameter, Accept, expected]
    [undefined, undefined, 'xml'],
    ['json', undefined, 'json'],
    ['xml', 'application/json', 'xml'], // acceptance 2: format wins over Accept
    [undefined, 'application/json;q=0.9', 'xml'], // acceptance 2: parameters do not count
    [undefined, 'application/json', 'json'],
    [undefined, ' Application/JSON ', 'json'],
    [undefined, 'text/html, application/json', 'json'],
    [undefined, 'application/xml, application/json', 'xml'],
    [undefined, 'application/json, application/xml', 'json'],
    [undefined, 'text/xml, */*', 'xml'],
    [undefined, '*/*', 'xml'],
    [undefined, 'application/json; charset=utf-8', 'xml'],
    [undefined, 'application/json;q=0.9, application/json', 'json'],
    [undefined, '', 'xml'],
    ['JSON', 'application/json', 'json'], // an unknown value is ignored, Accept decides
    ['JSON', undefined, 'xml'],
    ['yaml', 'application/xml', 'xml'],
    ['', 'application/json', 'json'],
    [['json'], undefined, 'xml'], // a list counts as missing
    [1, 'application/json', 'json'],
  ])('format %j, Accept %j → %s', (format, accept, expected) => {
    expect(chooseFormat(format, accept)).toBe(expected);
  });

  test('Accept given as several header values', () => {
    expect(chooseFormat(undefined, ['text/html', 'application/json'])).toBe('json');
    expect(chooseFormat(undefined, ['text/html, application/xml', 'application/json'])).toBe('xml');
    expect(chooseFormat(undefined, [])).toBe('xml');
  });
});
