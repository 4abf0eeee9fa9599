/** The error a call fails with, to look at it; a call that succeeds fails the test. */
export async function errorOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('the call did not fail');
}
