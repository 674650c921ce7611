export * from "./blueGreenApp";
export * from "./containerEnvironment";
export * from "./identity";
export * from "./keyVault";
export * from "./network";
export * from "./platform";
export * from "./postgres";
export * from "./registry";
