/* worker: the threads that do everything that may block (collecting, the database, Docker
 * logs), each with a FIFO of jobs, and the mailbox that hands finished jobs back to the UI
 * thread through a self-pipe, which the one wait point of the loop polls. */
#ifndef MCON_TUI_WORKER_H
#define MCON_TUI_WORKER_H

#include <pthread.h>
#include <stdbool.h>

struct console;

struct job {
	void (*run)(struct job *j);                     /* on the worker */
	void (*done)(struct job *j, struct console *c); /* on the UI thread; may be NULL */
	void (*free)(struct job *j);                    /* after done (or when discarded) */
	struct job *next;
};

struct mailbox {
	pthread_mutex_t lock;
	struct job *head, *tail;
	int fd[2];              /* [0] polled by the UI, [1] written by the posters */
};

int mailbox_init(struct mailbox *mb);
/* Thread-safe: queues a finished job and wakes the UI. */
void mailbox_post(struct mailbox *mb, struct job *j);
/* UI thread: takes every queued job (oldest first) and empties the pipe. */
struct job *mailbox_take(struct mailbox *mb);
void mailbox_free(struct mailbox *mb);

struct workq;
struct workq *workq_new(struct mailbox *mb, const char *name);
void workq_submit(struct workq *q, struct job *j);
/* Jobs queued or running. */
int workq_pending(struct workq *q);
/* Asks the thread to stop after the running job, without waiting: that job is freed, not
 * posted, and the queue is discarded. */
void workq_stop(struct workq *q);
/* Whether the thread has stopped (workq_free returns at once then). */
bool workq_ended(struct workq *q);
/* Stops the thread after the running job and waits for it, discards the queue (freeing the
 * jobs). */
void workq_free(struct workq *q);

#endif
