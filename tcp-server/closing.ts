/**
 * How the server lets go of a socket it is done with (`/quit`, name timeout,
 * `Servidor cheio…`, shutdown): a lingering close with a deadline.
 *
 * Closing the descriptor at once would be wrong: if the client's lines are
 * still arriving (it had not seen our goodbye yet), the kernel answers them
 * with a reset, and a reset can destroy the last lines we sent before the
 * client read them. Waiting for the client to close its side is wrong too:
 * many never do (`nc` keeps its socket open after the server's FIN), and the
 * socket would stay half-open forever, holding a descriptor and memory.
 *
 * So: send what is queued and a FIN, read and discard whatever the client
 * still sends, close as soon as the client closes its side, and reset the
 * connection when `graceMs` pass first, whatever the client does. A terminal
 * `nc` sees the reset and exits.
 */
import type { Socket } from 'node:net';

export function closeGracefully(socket: Socket, graceMs: number): void {
  if (socket.destroyed) return;
  const deadline = setTimeout(() => {
    // The client had graceMs to read our last lines and close: a reset
    // frees both ends at once rather than leaving a half-closed socket.
    if (!socket.destroyed) socket.resetAndDestroy();
  }, graceMs);
  socket.once('close', () => clearTimeout(deadline));
  // Input is discarded from now on. Once the client has closed its side
  // and our last bytes are out, Node destroys the socket (autoDestroy):
  // destroying it at the client's FIN could drop output not yet written.
  socket.on('data', discard);
  socket.on('error', discard);
  socket.end();
  socket.resume();
}

function discard(): void {}
