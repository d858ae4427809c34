// The two Node.js globals the lifecycle script uses, declared here so type-checking needs no @types/node.
declare const process: { argv: string[]; exit(code: number): never };
