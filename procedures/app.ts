/** App procedures (JSON-RPC contract §7.7): constants any authenticated caller may read. */
import { defineProcedure } from '../src/core/procedure';
import { noParams } from '../schemas/users';
import { colorMap, stringMap } from '../schemas/app';

const COLORS: [id: string, name: string, background: string, border: string][] = [
  ['yellow', 'Yellow', 'rgb(245, 247, 196)', 'rgb(223, 227, 45)'],
  ['blue', 'Blue', 'rgb(219, 235, 255)', 'rgb(168, 207, 255)'],
  ['green', 'Green', 'rgb(189, 244, 203)', 'rgb(74, 227, 113)'],
  ['purple', 'Purple', 'rgb(223, 176, 255)', 'rgb(205, 133, 254)'],
  ['red', 'Red', 'rgb(255, 187, 187)', 'rgb(255, 151, 151)'],
  ['orange', 'Orange', 'rgb(255, 215, 179)', 'rgb(255, 172, 98)'],
  ['grey', 'Grey', 'rgb(238, 238, 238)', 'rgb(204, 204, 204)'],
  ['brown', 'Brown', '#d7ccc8', '#4e342e'],
  ['deep_orange', 'Deep Orange', '#ffab91', '#e64a19'],
  ['dark_grey', 'Dark Grey', '#cfd8dc', '#455a64'],
  ['pink', 'Pink', '#f48fb1', '#d81b60'],
  ['teal', 'Teal', '#80cbc4', '#00695c'],
  ['cyan', 'Cyan', '#b2ebf2', '#00bcd4'],
  ['lime', 'Lime', '#e6ee9c', '#afb42b'],
  ['light_green', 'Light Green', '#dcedc8', '#689f38'],
  ['amber', 'Amber', '#ffe082', '#ffa000'],
];

function constant(name: string, description: string, result: object, value: (settings: { kanboardVersion: string }) => unknown) {
  return defineProcedure({
    name,
    description,
    params: [],
    schema: noParams(name),
    result,
    writes: false,
    failure: null,
    handler: async (_p, ctx) => value(ctx.services.settings),
  });
}

export const appProcedures = [
  constant('getVersion', 'The Kanboard version Roster answers as (KANBOARD_VERSION).', { type: 'string' }, (s) => s.kanboardVersion),
  constant('getTimezone', 'The application timezone.', { type: 'string' }, () => 'UTC'),
  constant('getApplicationRoles', 'Application roles and their names.', stringMap, () => ({
    'app-admin': 'Administrator',
    'app-manager': 'Manager',
    'app-user': 'User',
  })),
  constant('getProjectRoles', 'Built-in project roles and their names.', stringMap, () => ({
    'project-manager': 'Project Manager',
    'project-member': 'Project Member',
    'project-viewer': 'Project Viewer',
  })),
  constant('getDefaultTaskColor', 'The default task color id.', { type: 'string' }, () => 'yellow'),
  constant('getDefaultTaskColors', 'Task colors with their names and CSS colors.', colorMap, () =>
    Object.fromEntries(COLORS.map(([id, name, background, border]) => [id, { name, background, border }])),
  ),
  constant('getColorList', 'Task color ids and names.', stringMap, () => Object.fromEntries(COLORS.map(([id, name]) => [id, name]))),
];
