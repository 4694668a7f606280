/**
 * The wait between rounds of a polling loop: `sleep(ms)` ends early on `wake()` (a notification
 * arrived) or `stop()`. Once stopped, every sleep returns at once and `stopped` tells the loop to
 * finish its round and exit.
 */
export class PollWait {
  private wakeUp: (() => void) | undefined;
  private isStopped = false;

  get stopped(): boolean {
    return this.isStopped;
  }

  sleep(ms: number): Promise<void> {
    if (this.isStopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }

  /** Ends the sleep in progress, if any (a wake-up with no sleep in progress is dropped). */
  wake(): void {
    this.wakeUp?.();
  }

  stop(): void {
    this.isStopped = true;
    this.wake();
  }
}
