#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <readpassphrase.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xalloc.h"

char *secret_read(int fd, size_t max, size_t *len, const char *what,
		  struct err *e)
{
	char *buf = xcalloc(max + 1, 1);

	*len = 0;
	while (*len < max) {
		ssize_t r = read(fd, buf + *len, max - *len);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			err_sys(e, ERR_CONFIG, errno, "%s", what);
			explicit_bzero(buf, *len);
			free(buf);
			return NULL;
		}
		if (r == 0) {
			break;
		}
		*len += (size_t)r;
	}
	return buf;
}

/* Reads up to SECRET_MAX bytes of fd and keeps the first line. */
static char *read_line(int fd, const char *what, struct err *e)
{
	size_t len;
	char *buf = secret_read(fd, SECRET_MAX, &len, what, e);

	if (buf == NULL) {
		return NULL;
	}
	/* Keep the first line; wipe the rest now, not when freed. */
	size_t first = strcspn(buf, "\r\n");
	explicit_bzero(buf + first, len - first);
	if (buf[0] == '\0') {
		err_set(e, ERR_CONFIG, "%s gave an empty password", what);
		secret_free(buf);
		return NULL;
	}
	return buf;
}

char *secret_command(const char *cmd, struct err *e)
{
	int pfd[2], status;
	pid_t pid;
	char *pw;

	if (pipe(pfd) == -1) {
		err_sys(e, ERR_OS, errno, "pipe");
		return NULL;
	}
	pid = fork();
	if (pid == -1) {
		close(pfd[0]);
		close(pfd[1]);
		err_sys(e, ERR_OS, errno, "fork");
		return NULL;
	}
	if (pid == 0) {
		close(pfd[0]);
		/* Standard input holds the message, not the command's
		 * business; a terminal stays for tools that ask there. */
		if (!isatty(STDIN_FILENO)) {
			int null = open("/dev/null", O_RDONLY);
			if (null >= 0 && null != STDIN_FILENO) {
				dup2(null, STDIN_FILENO);
				close(null);
			}
		}
		if (pfd[1] != STDOUT_FILENO) {
			dup2(pfd[1], STDOUT_FILENO);
			close(pfd[1]);
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	pw = read_line(pfd[0], "--password-command", e);
	/* Whatever it prints after the first line is not ours to read. */
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	if (status != 0) {
		secret_free(pw);
		err_set(e, ERR_CONFIG, "--password-command failed (%s %d)",
			WIFSIGNALED(status) ? "signal" : "exit status",
			WIFSIGNALED(status) ? WTERMSIG(status)
					    : WEXITSTATUS(status));
		return NULL;
	}
	return pw;
}

char *secret_file(const char *path, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *pw;

	if (fd < 0) {
		err_sys(e, ERR_CONFIG, errno, "%s", path);
		return NULL;
	}
	pw = read_line(fd, path, e);
	close(fd);
	return pw;
}

char *secret_prompt(const char *prompt, struct err *e)
{
	char *buf = xcalloc(SECRET_MAX + 1, 1);

	if (readpassphrase(prompt, buf, SECRET_MAX + 1, RPP_REQUIRE_TTY) ==
	    NULL) {
		secret_free(buf);
		err_set(e, ERR_CONFIG, "no terminal to ask on");
		return NULL;
	}
	if (buf[0] == '\0') {
		secret_free(buf);
		err_set(e, ERR_CONFIG, "an empty password was typed");
		return NULL;
	}
	return buf;
}

void secret_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}
