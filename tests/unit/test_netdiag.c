/* SPDX-License-Identifier: Apache-2.0 */
/* The live socket table from sock_diag agrees with /proc/net, on sockets this test opens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "probes/linux/common.h"

static int open_socket(int type, const char *addr, unsigned *port)
{
	int fd = socket(AF_INET, type, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	inet_pton(AF_INET, addr, &sa.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 4), 0);
	socklen_t len = sizeof(sa);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static const struct listener *find(const struct listener *ls, size_t n, const char *proto,
				   unsigned port)
{
	for (size_t i = 0; i < n; i++)
		if (ls[i].port == port && strcmp(ls[i].proto, proto) == 0 && !ls[i].v6)
			return &ls[i];
	return NULL;
}

static void test_live_matches_proc(void **state)
{
	(void)state;
	unsigned tport, uport;
	int t = open_socket(SOCK_STREAM, "127.0.0.1", &tport);
	int u = open_socket(SOCK_DGRAM, "0.0.0.0", &uport);

	const struct sys_ops *ops = sys_ops_live();
	struct listener *live = NULL;
	size_t nlive = 0;
	char why[256];
	if (ops->listeners(ops->ud, &live, &nlive, why, sizeof(why)) != 0) {
		close(t);
		close(u);
		skip(); /* no sock_diag in this sandbox: the probes fall back to /proc/net */
	}
	const struct listener *a = find(live, nlive, "tcp", tport);
	assert_non_null(a);
	assert_true(a->loopback);
	assert_false(a->any_address);
	assert_string_equal(a->addr, "127.0.0.1");
	const struct listener *b = find(live, nlive, "udp", uport);
	assert_non_null(b);
	assert_true(b->any_address);

	/* the same sockets through the /proc tables */
	struct facts *f = facts_new();
	struct probe_ctx ctx;
	struct errbuf e;
	assert_int_equal(probe_ctx_open(&ctx, "/", 0, NULL, f, &e), 0);
	const struct listener *proc;
	size_t nproc;
	assert_int_equal(net_listeners(&ctx, &proc, &nproc, why, sizeof(why)), 0);
	assert_non_null(find(proc, nproc, "tcp", tport));
	assert_non_null(find(proc, nproc, "udp", uport));
	probe_ctx_close(&ctx);
	facts_free(f);
	free(live);
	close(t);
	close(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_live_matches_proc)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
