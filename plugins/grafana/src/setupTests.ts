import '@testing-library/jest-dom';

// CI machines are small (2 cores shared by parallel Jest workers): give async queries and tests
// room, so slow renders do not look like failures. Assertions stay the same.
import { configure } from '@testing-library/react';

configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);
