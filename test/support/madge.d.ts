// madge ships no type declarations: these cover what test/unit/layout.test.ts uses.
declare module 'madge' {
  interface MadgeConfig {
    fileExtensions?: string[];
    detectiveOptions?: { ts?: { skipTypeImports?: boolean } };
  }

  interface MadgeResult {
    /** Every import cycle, as the files along it (relative to the base directory). */
    circular(): string[][];
  }

  export default function madge(path: string, config?: MadgeConfig): Promise<MadgeResult>;
}
