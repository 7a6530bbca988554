/** Result shapes of the App procedures (they take no params). */
export const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

export const colorMap = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    properties: { name: { type: 'string' }, background: { type: 'string' }, border: { type: 'string' } },
  },
} as const;
