/** What tests share: one capture, one test world, one place for the stack's URLs. */
export { Capture } from './capture';
export { ES_URL, ES7_URL, ES9_URL, MYSQL_URL } from './env';
export { TestWorld, runCli, uniqueName, type CliOptions, type CliResult } from './world';
export { randomInts } from './random';
export { joinedRegExp } from './regexp';
