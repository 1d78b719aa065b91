/** Types of tools/images.js for the TypeScript tests that use it. */
export declare const SERVICES: readonly string[];
export declare const IMAGES: readonly string[];
export declare const BASE_IMAGE: string;
export declare function imageName(name: string): string;
export declare function containerEngine(): { engine: string; env: NodeJS.ProcessEnv } | undefined;
