/** Bounded concurrency: at most `limit` tasks run at once, started in submission order. */
export class Limiter {
  private active = 0;
  private queue: (() => void)[] = [];
  constructor(readonly limit: number) {}
  run<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.active++;
        fn()
          .then(resolve, reject)
          .finally(() => {
            this.active--;
            const next = this.queue.shift();
            if (next) next();
          });
      };
      if (this.active < this.limit) start();
      else this.queue.push(start);
    });
  }
  get pending(): number {
    return this.queue.length + this.active;
  }
}
