/** Ten key patterns, the one SET's key matches last, and category rules: every SET goes through each of them. */
export const RESTRICTED_USER = [
  'ACL',
  'SETUSER',
  'bench',
  'on',
  '>bench-pw',
  ...Array.from({ length: 9 }, (_, i) => `~p${i}:*`),
  '~key:*',
  '-@all',
  '+@read',
  '+@write',
  '+@connection',
  '-@dangerous',
  '+config|get',
];
