/* worker: job threads and the UI's mailbox. */
#include "tui/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "core/util.h"

int mailbox_init(struct mailbox *mb)
{
	mb->head = mb->tail = NULL;
	pthread_mutex_init(&mb->lock, NULL);
	if (pipe2(mb->fd, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

void mailbox_post(struct mailbox *mb, struct job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&mb->lock);
	if (mb->tail)
		mb->tail->next = j;
	else
		mb->head = j;
	mb->tail = j;
	pthread_mutex_unlock(&mb->lock);
	/* a full pipe already wakes the UI; nothing else to do */
	ssize_t r = write(mb->fd[1], "j", 1);
	(void)r;
}

struct job *mailbox_take(struct mailbox *mb)
{
	char drain[64];
	while (read(mb->fd[0], drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&mb->lock);
	struct job *j = mb->head;
	mb->head = mb->tail = NULL;
	pthread_mutex_unlock(&mb->lock);
	return j;
}

void mailbox_free(struct mailbox *mb)
{
	struct job *j = mailbox_take(mb);
	while (j) {
		struct job *n = j->next;
		j->free(j);
		j = n;
	}
	close(mb->fd[0]);
	close(mb->fd[1]);
	pthread_mutex_destroy(&mb->lock);
}

struct workq {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, *tail;
	int pending;
	bool stop;
	bool ended;             /* the thread left its loop: workq_free does not wait */
	struct mailbox *mb;
};

static void *workq_main(void *arg)
{
	struct workq *q = arg;
	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->head && !q->stop)
			pthread_cond_wait(&q->cond, &q->lock);
		if (q->stop)
			break;
		struct job *j = q->head;
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		pthread_mutex_unlock(&q->lock);
		j->run(j);
		pthread_mutex_lock(&q->lock);
		q->pending--;
		if (q->stop) {
			j->free(j);
			break;
		}
		mailbox_post(q->mb, j);
	}
	q->ended = true;
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct workq *workq_new(struct mailbox *mb, const char *name)
{
	struct workq *q = xcalloc(1, sizeof(*q));
	q->mb = mb;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	if (pthread_create(&q->thread, NULL, workq_main, q) != 0)
		die("cannot start the %s worker thread", name);
	pthread_setname_np(q->thread, name);
	return q;
}

void workq_submit(struct workq *q, struct job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->pending++;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

int workq_pending(struct workq *q)
{
	pthread_mutex_lock(&q->lock);
	int n = q->pending;
	pthread_mutex_unlock(&q->lock);
	return n;
}

void workq_stop(struct workq *q)
{
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

bool workq_ended(struct workq *q)
{
	pthread_mutex_lock(&q->lock);
	bool e = q->ended;
	pthread_mutex_unlock(&q->lock);
	return e;
}

void workq_free(struct workq *q)
{
	if (!q)
		return;
	workq_stop(q);
	pthread_join(q->thread, NULL);
	struct job *j = q->head;
	while (j) {
		struct job *n = j->next;
		j->free(j);
		j = n;
	}
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	free(q);
}
