import { logSink } from '../../provider/logging.ts';

/** Every log line written by in-process providers during this test run. */
export const capturedLogs: string[] = [];

// Tests keep the output readable: log lines are captured, not printed; leakage tests read them.
logSink.write = (line) => {
  capturedLogs.push(line);
};
