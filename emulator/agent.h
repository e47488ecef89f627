/* agent — running commands inside a qemu node over its virtio-serial port.
 *
 * A qemu node has no namespace the host can enter: `enos exec` reaches it
 * through a virtio-serial port named AGENT_PORT_NAME. libvirt binds the
 * host end to a UNIX socket (node_qemu.c); in the guest, the static
 * enos-agent binary (agent/main.c, started by the initramfs's /init,
 * initramfs.c) serves requests on /dev/vportNpM with agent_serve().
 *
 * The protocol is frames: one type byte, a 4-byte big-endian payload
 * length (at most AGENT_MAX_PAYLOAD), the payload.
 *   host -> guest  'p' probe (empty)        guest answers 'h' (hello)
 *                  'x' exec: argv, each argument NUL-terminated
 *   guest -> host  'h' hello (empty)
 *                  'o' / 'e' bytes the command wrote to stdout / stderr
 *                  's' its status, 4 bytes big-endian, shell convention
 *                  'r' it could not start: errno, 4 bytes big-endian
 * One request per connection. The guest discards what reaches a port it has
 * not opened yet, so the host probes until the hello comes back and only
 * then sends its request.
 */
#ifndef EMULATOR_AGENT_H
#define EMULATOR_AGENT_H

#include <stddef.h>
#include <stdint.h>

#define AGENT_PORT_NAME   "org.enos.agent"
#define AGENT_MAX_PAYLOAD 65536
#define AGENT_HDR_LEN     5

enum agent_frame {
	AGENT_PROBE = 'p',
	AGENT_HELLO = 'h',
	AGENT_EXEC = 'x',
	AGENT_STDOUT = 'o',
	AGENT_STDERR = 'e',
	AGENT_STATUS = 's',
	AGENT_ERROR = 'r',
};

/* Encode the frame header of TYPE with payload length LEN into HDR. */
void agent_frame_header(unsigned char hdr[AGENT_HDR_LEN], int type,
			uint32_t len);

/* Encode ARGV (NULL-terminated) as the payload of an exec frame into BUF
 * (LEN bytes). Returns its length, or -E2BIG if it does not fit. */
int agent_argv_encode(char *const argv[], char *buf, size_t len);

/* Host side: connect to the UNIX socket SOCK_PATH of a node's agent port,
 * wait up to WAIT_MS for the agent to answer (it may still be booting),
 * run ARGV in the guest, copy its stdout to OUT_FD and stderr to ERR_FD as
 * they come, and store its exit status (128 + signal) in *STATUS.
 * Returns 0, -ENOENT (no such program in the guest), -ETIMEDOUT (no
 * agent answered), -EPIPE (the guest went away meanwhile) or -errno. */
int agent_exec(const char *sock_path, char *const argv[], int out_fd,
	       int err_fd, int wait_ms, int *status);

/* Host side: does the agent on SOCK_PATH answer a probe within WAIT_MS?
 * (connect, probe every 200 ms until the hello, hang up: what agent_exec
 * does before its request). Returns 1 if it does, 0 if not yet (no
 * socket, no hello, the port hung up), or -errno. */
int agent_ready(const char *sock_path, int wait_ms);

/* Guest side: the path of the virtio-serial port called NAME
 * (/sys/class/virtio-ports/PORT/name), "/dev/PORT", into BUF.
 * Returns 0 or -ENOENT. */
int agent_port_find(const char *name, char *buf, size_t len);

/* Guest side: serve requests on the open port FD forever, one at a time.
 * Returns only on an error of the port itself (-errno). */
int agent_serve(int fd);

#endif
