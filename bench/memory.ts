/**
 * The `memory` scenario's probe: a server started with `--inspect` is asked, through the
 * inspector (Chrome DevTools protocol), for a full garbage collection and its JavaScript heap
 * size, so that memory per idle socket can be read both as RSS growth with the garbage of
 * connection set-up still in it (as the fanout scenario reads it) and as what stays after a GC.
 */

/** The inspector of a server started with `--inspect=127.0.0.1:PORT`. */
export class Inspector {
  #ws: WebSocket;
  #id = 0;
  #pending = new Map<number, (result: Record<string, unknown>) => void>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.id && this.#pending.has(m.id)) {
        this.#pending.get(m.id)!(m.result ?? {});
        this.#pending.delete(m.id);
      }
    };
  }

  static async connect(port: number): Promise<Inspector> {
    let targets: { webSocketDebuggerUrl: string }[] = [];
    for (let i = 0; i < 100 && !targets.length; i++) {
      try {
        targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (!targets.length) throw new Error(`no inspector on port ${port}`);
    const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error("inspector connection failed"));
    });
    return new Inspector(ws);
  }

  #send(method: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const id = ++this.#id;
      this.#pending.set(id, resolve);
      this.#ws.send(JSON.stringify({ id, method, params: {} }));
    });
  }

  /** Two full collections (the second takes what finalizers of the first let go), then the heap. */
  async gcHeapBytes(): Promise<number> {
    await this.#send("HeapProfiler.collectGarbage");
    await this.#send("HeapProfiler.collectGarbage");
    return Number((await this.#send("Runtime.getHeapUsage")).usedSize);
  }

  close(): void {
    this.#ws.close();
  }
}
