/* node_qemu — the qemu node backend; see node_qemu.h. The domain XML is
 * rendered by node_qemu_xml() from a plain struct, so the unit tests
 * compare it without root or libvirt.
 */
#include "emulator/node_qemu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/addr.h"
#include "emulator/agent.h"

/* TEXT with XML's five special characters escaped, onto F. */
static void xml_text(FILE *f, const char *text)
{
	for (; text && *text; text++) {
		switch (*text) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*text, f); break;
		}
	}
}

/* One line: INDENT spaces, OPEN, TEXT escaped, CLOSE. */
static void xml_line(FILE *f, int indent, const char *open, const char *text,
		     const char *close)
{
	fprintf(f, "%*s%s", indent, "", open);
	xml_text(f, text);
	fprintf(f, "%s\n", close);
}

char *node_qemu_xml(const struct node_qemu_domain *d)
{
	char *xml = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&xml, &len);

	if (!f)
		return NULL;
	xml_line(f, 0, "<domain type='", d->type, "'>");
	xml_line(f, 2, "<name>", d->name, "</name>");
	fprintf(f, "  <memory unit='KiB'>%llu</memory>\n",
		(unsigned long long)(d->memory_bytes >> 10));
	fprintf(f, "  <vcpu>%u</vcpu>\n", d->vcpus);
	fprintf(f, "  <os>\n"
		"    <type arch='x86_64'>hvm</type>\n");
	xml_line(f, 4, "<kernel>", d->kernel, "</kernel>");
	xml_line(f, 4, "<initrd>", d->initrd, "</initrd>");
	xml_line(f, 4, "<cmdline>", d->cmdline, "</cmdline>");
	fprintf(f, "  </os>\n"
		"  <features><acpi/></features>\n"
		"  <clock offset='utc'/>\n"
		"  <on_poweroff>destroy</on_poweroff>\n"
		"  <on_reboot>destroy</on_reboot>\n"
		"  <on_crash>destroy</on_crash>\n"
		"  <devices>\n"
		"    <interface type='ethernet'>\n"
		"      <mac address='%02x:%02x:%02x:%02x:%02x:%02x'/>\n",
		d->mac[0], d->mac[1], d->mac[2], d->mac[3], d->mac[4],
		d->mac[5]);
	xml_line(f, 6, "<target dev='", d->tap, "' managed='no'/>");
	fprintf(f, "      <model type='virtio'/>\n"
		"    </interface>\n"
		"    <serial type='file'>\n");
	xml_line(f, 6, "<source path='", d->console_log, "'/>");
	fprintf(f, "      <target port='0'/>\n"
		"    </serial>\n"
		"    <channel type='unix'>\n");
	xml_line(f, 6, "<source mode='bind' path='", d->agent_sock, "'/>");
	fprintf(f, "      <target type='virtio' name='%s'/>\n"
		"    </channel>\n"
		"    <controller type='usb' model='none'/>\n"
		"    <memballoon model='none'/>\n"
		"  </devices>\n"
		"</domain>\n", AGENT_PORT_NAME);
	if (fclose(f) != 0) {
		free(xml);
		return NULL;
	}
	return xml;
}

int node_qemu_cmdline(const char *name, uint32_t addr, unsigned plen,
		      uint32_t gw, int txoff, char *buf, size_t len)
{
	char a[32], g[32];
	int n;

	/* quiet: the console is a log file, and TCG prints slowly. */
	n = snprintf(buf, len, "console=ttyS0 quiet panic=-1 enos.node=%s "
		     "enos.addr=%s/%u enos.gw=%s%s", name,
		     addr_format(addr, a, sizeof(a)), plen,
		     addr_format(gw, g, sizeof(g)), txoff ? " enos.txoff=1" : "");
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

void node_qemu_mac(const char *tap, unsigned char mac[6])
{
	uint32_t h = 2166136261u;       /* FNV-1a */

	for (; *tap; tap++) {
		h ^= (unsigned char)*tap;
		h *= 16777619u;
	}
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (unsigned char)(h >> 16);
	mac[4] = (unsigned char)(h >> 8);
	mac[5] = (unsigned char)h;
}
