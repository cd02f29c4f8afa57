// SPDX-License-Identifier: GPL-2.0
/* The reader's table of watched processes and their attribution. */
#include "procs.h"

#include "array.h"
#include "clock.h"
#include "procfs.h"
#include "str.h"
#include "unwind.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS (sizeof(((struct proc_table *)0)->buckets) / sizeof(struct proc *))
#define BASE_PAGE 4096ULL

/*
 * What a maps read showed, parsed once: the processes of a tree forked
 * before the attach mostly show the very same text, and share one.
 */
struct maps_data {
	unsigned int refs;
	uint64_t serial;	/* unique to this content in this run, never 0 */
	char *text;		/* the raw text, to compare the next read with */
	size_t len;
	struct maps m;
	/* --stacks: unwinds over this map, shared by processes that show it. */
	struct unwinder *unw;
};

/* One read of a process's map: its time, and what it showed. */
struct maps_ref {
	unsigned int refs;
	uint64_t read_ns;	/* kernel clock, taken before the read */
	struct maps_data *data;
};

static void maps_data_put(struct maps_data *d)
{
	if (d && --d->refs == 0) {
		unwinder_free(d->unw);
		maps_free(&d->m);
		free(d->text);
		free(d);
	}
}

static void maps_ref_put(struct maps_ref *r)
{
	if (r && --r->refs == 0) {
		maps_data_put(r->data);
		free(r);
	}
}

/* @p takes @parent's snapshot, as a forked child has its parent's map. */
static void inherit_maps(struct proc *p, const struct proc *parent)
{
	maps_ref_put(p->maps);
	p->maps = parent->maps;
	p->maps->refs++;
	p->maps_inherited = true;
}

static const struct maps *ref_maps(const struct maps_ref *r)
{
	return &r->data->m;
}

/*
 * Snapshots are told apart by a serial, not by their address, which a
 * later snapshot may get once this one is freed.
 */
static uint64_t maps_serial;

/* @like's content if it shows exactly @text, else @text parsed anew (or NULL). */
static struct maps_data *maps_data_for(const struct procfs_text *text, const struct maps_ref *like)
{
	struct maps_data *d;

	if (like && like->data->len == text->len && !memcmp(like->data->text, text->buf, text->len)) {
		like->data->refs++;
		return like->data;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->text = malloc(text->len ? text->len : 1);
	if (!d->text || maps_parse_text(text->buf, text->len, &d->m)) {
		free(d->text);
		free(d);
		return NULL;
	}
	memcpy(d->text, text->buf, text->len);
	d->len = text->len;
	d->refs = 1;
	d->serial = ++maps_serial;
	return d;
}

/*
 * A fresh snapshot of @pid's map, or NULL; it shares @like's parsed
 * content if the text is the same. *@gone says whether the process has no
 * map left to read: no such process, or one past exit_mm() (exiting, or a
 * zombie), whose maps file is empty. Other failures (out of memory or
 * files) may pass.
 */
static struct maps_ref *snapshot_read(struct proc_table *t, pid_t pid, const struct maps_ref *like,
				      bool *gone)
{
	struct maps_ref *r = calloc(1, sizeof(*r));
	int err;

	*gone = false;
	if (!r)
		return NULL;
	t->maps_reads++;
	r->read_ns = kernel_now_ns();
	err = maps_read_text(pid, &t->text);
	if (err || !t->text.len) {
		*gone = !err || err == -ENOENT || err == -ESRCH;
		free(r);
		return NULL;
	}
	r->data = maps_data_for(&t->text, like);
	if (!r->data) {
		free(r);
		return NULL;
	}
	r->refs = 1;
	return r;
}

/* A snapshot @p's next read may well repeat: its own, or its parent's. */
static const struct maps_ref *likely_same(const struct proc_table *t, const struct proc *p)
{
	const struct proc *parent;

	if (p->maps)
		return p->maps;
	parent = p->ppid > 0 && p->ppid != p->pid ? procs_find(t, p->ppid) : NULL;
	return parent ? parent->maps : NULL;
}

/*
 * Replaces @p's snapshot by a fresh read. A process that has no map left
 * to read is marked gone and never read again (until it execs: a reused
 * pid is a new process, seen first as a FORK or EXEC); the snapshot we
 * have is the better account of it.
 */
static bool read_maps(struct proc_table *t, struct proc *p)
{
	struct maps_ref *r;
	bool gone;

	if (p->exited || p->maps_gone || t->offline)
		return false;
	r = snapshot_read(t, p->pid, likely_same(t, p), &gone);
	if (!r) {
		p->maps_gone = gone;
		return false;
	}
	maps_ref_put(p->maps);
	p->maps = r;
	p->maps_inherited = false;
	return true;
}

/*
 * Could a fresh read show a region that @r lacks, for an event at @when?
 * Only if @r was read before the event: a read after it shows every region
 * the event could have hit, unless that was unmapped in between, and then
 * no read will. This is what keeps misses cheap (a run of events that miss
 * re-reads once, not once each) without ever skipping a read that can help.
 */
static bool snapshot_older(const struct maps_ref *r, uint64_t when)
{
	return !r || r->read_ns < when;
}

/*
 * A miss: the region or code of an event at @when is not in @p's snapshot.
 * If @p still has the snapshot its parent had at the fork and @p is gone,
 * the parent's fresh map is the best account of what @p inherited: the
 * parent may have mapped the region after its snapshot was read (one read
 * at exec, before the program mapped anything).
 */
static void refresh_on_miss(struct proc_table *t, struct proc *p, uint64_t when)
{
	struct proc *parent;

	if (!snapshot_older(p->maps, when) || read_maps(t, p))
		return;
	parent = procs_find(t, p->ppid);
	if (!parent || parent == p)
		return;
	/*
	 * A process attached while it ran (the walk found it under @parent)
	 * and gone before its own map was read has no snapshot at all: its
	 * parent's stands in as for a forked child, if both run the same
	 * program by name (one that exec'd another would be misnamed).
	 */
	if (!p->maps_inherited && (p->maps || !p->comm[0] || strcmp(p->comm, parent->comm)))
		return;
	if (snapshot_older(parent->maps, when))
		read_maps(t, parent);
	if (parent->maps && parent->maps != p->maps)
		inherit_maps(p, parent);
}

int procs_init(struct proc_table *t)
{
	memset(t, 0, sizeof(*t));
	t->sym = symbolizer_new();
	return t->sym ? 0 : -ENOMEM;
}

static void proc_free(struct proc *p)
{
	free(p->regions);
	free(p->sites);
	free(p->paths);
	maps_ref_put(p->maps);
	free(p);
}

void procs_free(struct proc_table *t)
{
	for (size_t i = 0; i < BUCKETS; i++) {
		while (t->buckets[i]) {
			struct proc *p = t->buckets[i];

			t->buckets[i] = p->next;
			proc_free(p);
		}
	}
	for (size_t i = 0; i < sizeof(t->files) / sizeof(t->files[0]); i++) {
		while (t->files[i]) {
			struct file_name *f = t->files[i];

			t->files[i] = f->next;
			free(f);
		}
	}
	for (size_t i = 0; i < t->nnames; i++)
		free(t->names[i]);
	free(t->names);
	free(t->name_slots);
	procs_ahead_clear(t);
	free(t->ahead);
	free(t->text.buf);
	free(t->unread);
	symbolizer_free(t->sym);
	memset(t, 0, sizeof(*t));
}

struct proc *procs_find(const struct proc_table *t, pid_t pid)
{
	struct proc *p;

	for (p = t->buckets[(unsigned int)pid % BUCKETS]; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

/* Reads comm and ppid of a live process; leaves them alone otherwise. */
static void read_stat(struct proc *p)
{
	struct procfs_stat st;

	if (procfs_read_stat(p->pid, &st))
		return;
	p->ppid = st.ppid;
	/* Cut as the kernel cuts names in its notices (TASK_COMM_LEN). */
	str_copy(p->comm, sizeof(p->comm), st.comm);
}

static struct proc *proc_new(struct proc_table *t, pid_t pid)
{
	struct proc *p = calloc(1, sizeof(*p));
	size_t b = (unsigned int)pid % BUCKETS;

	if (!p)
		return NULL;
	p->pid = pid;
	p->next = t->buckets[b];
	t->buckets[b] = p;
	t->count++;
	return p;
}

struct proc *procs_get(struct proc_table *t, pid_t pid)
{
	struct proc *p = procs_find(t, pid);

	if (p)
		return p;
	p = proc_new(t, pid);
	if (!p)
		return NULL;
	if (!t->offline)
		read_stat(p);
	read_maps(t, p);
	return p;
}

struct proc *procs_add(struct proc_table *t, pid_t pid)
{
	struct proc *p = procs_find(t, pid), **u;

	if (p)
		return p;
	u = array_grow(t->unread, &t->cap_unread, t->nunread, sizeof(*u), 64);
	if (!u)
		return procs_get(t, pid);
	t->unread = u;
	p = proc_new(t, pid);
	if (p)
		t->unread[t->nunread++] = p;
	return p;
}

void procs_walked(struct proc *p, const struct procfs_stat *st)
{
	str_copy(p->comm, sizeof(p->comm), st->comm);
	if (!p->ppid)
		p->ppid = st->ppid;
	p->vsize = st->vsize;
	p->walked = true;
}

/*
 * Has @p most likely the map of @parent's snapshot? Both were walked, run
 * the same program by name and map as many bytes: a forked worker that
 * did not map or unmap anything since the fork. The snapshot was read
 * after the walk read the parent's size, so it shows what the parent maps
 * now.
 */
static bool same_layout(const struct proc *p, const struct proc *parent)
{
	return parent && parent != p && parent->maps && p->walked && parent->walked &&
	       p->vsize == parent->vsize && !strcmp(p->comm, parent->comm);
}

void procs_read_added(struct proc_table *t)
{
	/* In the order added: a parent's snapshot is there for its children to share. */
	for (size_t i = 0; i < t->nunread; i++) {
		struct proc *p = t->unread[i], *parent;

		if (p->exited)
			continue;
		/*
		 * A walked process was named by the walk. Else found under a
		 * parent: that parent stays (not the reaper a late reparenting
		 * shows), only the name is read.
		 */
		if (!p->walked && p->ppid)
			procfs_read_comm(p->pid, p->comm, sizeof(p->comm));
		else if (!p->walked)
			read_stat(p);
		if (p->maps || p->maps_gone)
			continue;
		parent = p->ppid ? procs_find(t, p->ppid) : NULL;
		if (same_layout(p, parent))
			inherit_maps(p, parent);
		else
			read_maps(t, p);
	}
	t->nunread = 0;
}

void procs_fork(struct proc_table *t, pid_t parent, pid_t child, const char *comm)
{
	struct proc *pp = procs_get(t, parent);
	struct proc *c = procs_find(t, child);

	/*
	 * A pid that exited before is a new process now (pids are reused):
	 * the old one keeps its own account, found no more by its pid.
	 */
	if (!c || c->exited)
		c = proc_new(t, child);
	if (!c)
		return;
	c->ppid = parent;
	if (comm)
		str_copy(c->comm, sizeof(c->comm), comm);
	else if (pp)
		memcpy(c->comm, pp->comm, sizeof(c->comm));
	if (c->maps)
		return;
	/*
	 * The child's own map, read now: the parent's snapshot may predate
	 * regions the parent mapped just before the fork, and by the time an
	 * event of the child misses, both may be gone. A child gone already
	 * gets its parent's map (until it execs, they are the same), read
	 * again if the parent is still there.
	 */
	if (read_maps(t, c) || !pp)
		return;
	read_maps(t, pp);
	if (pp->maps)
		inherit_maps(c, pp);
}

static struct maps_ahead *find_ahead(struct proc_table *t, pid_t pid)
{
	for (size_t i = 0; i < t->nahead; i++)
		if (t->ahead[i].pid == pid)
			return &t->ahead[i];
	return NULL;
}

void procs_exec_ahead(struct proc_table *t, pid_t pid)
{
	struct maps_ahead *a = find_ahead(t, pid);
	bool gone;

	if (a) {
		/* A second exec seen at once: which image a read shows is not known. */
		maps_ref_put(a->maps);
		a->maps = NULL;
		return;
	}
	a = array_grow(t->ahead, &t->cap_ahead, t->nahead, sizeof(*a), 8);
	if (!a)
		return;
	t->ahead = a;
	t->ahead[t->nahead++] = (struct maps_ahead){
		.pid = pid, .maps = snapshot_read(t, pid, NULL, &gone),
	};
}

void procs_ahead_clear(struct proc_table *t)
{
	for (size_t i = 0; i < t->nahead; i++)
		maps_ref_put(t->ahead[i].maps);
	t->nahead = 0;
}

void procs_exec(struct proc_table *t, pid_t pid)
{
	struct proc *p = procs_get(t, pid);
	struct maps_ahead *a = find_ahead(t, pid);

	if (!p)
		return;
	maps_ref_put(p->maps);
	p->maps = NULL;
	p->maps_inherited = false;
	p->maps_gone = false;
	if (!t->offline)
		read_stat(p);
	if (!read_maps(t, p) && a && a->maps) {
		p->maps = a->maps;
		a->maps = NULL;
	}
	/* Used once: a later exec of the same pid is another image. */
	if (a) {
		maps_ref_put(a->maps);
		*a = t->ahead[--t->nahead];
	}
}

/* A hash of the @len bytes of @s, eight at a time (FNV-1a's byte loop was slower). */
static uint64_t name_hash(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, sizeof(w));
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

/* The slot of @name (hash @h) in the index: its own, or the free one it would take. */
static uint32_t *name_slot(const struct proc_table *t, const char *name, uint64_t h)
{
	size_t mask = t->name_slot_count - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint32_t *slot = &t->name_slots[i];

		if (!*slot || !strcmp(t->names[*slot - 1], name))
			return slot;
	}
}

/* Doubles the index (or makes it), placing every name again; false without memory. */
static bool name_index_grow(struct proc_table *t)
{
	size_t count = t->name_slot_count ? 2 * t->name_slot_count : 64;
	uint32_t *old = t->name_slots;

	t->name_slots = calloc(count, sizeof(*t->name_slots));
	if (!t->name_slots) {
		t->name_slots = old;
		return false;
	}
	t->name_slot_count = count;
	for (size_t i = 0; i < t->nnames; i++) {
		size_t len = strlen(t->names[i]);

		*name_slot(t, t->names[i], name_hash(t->names[i], len)) = (uint32_t)(i + 1);
	}
	free(old);
	return true;
}

/*
 * The one copy of @name the table keeps (records compare names by
 * pointer). Hashed: an --events reader interns each event's region name,
 * and a process maps hundreds of files; a scan of every name known cost a
 * strcmp per name per event.
 */
static const char *intern(struct proc_table *t, const char *name)
{
	uint64_t h = name_hash(name, strlen(name));
	uint32_t *slot;
	char *copy, **names;

	if ((t->nnames + 1) * 4 > t->name_slot_count * 3 && !name_index_grow(t))
		return "[?]";
	slot = name_slot(t, name, h);
	if (*slot)
		return t->names[*slot - 1];
	if (t->nnames >= UINT32_MAX - 1)
		return "[?]";
	names = array_grow(t->names, &t->cap_names, t->nnames, sizeof(*names), 32);
	if (!names)
		return "[?]";
	t->names = names;
	copy = strdup(name);
	if (!copy)
		return "[?]";
	t->names[t->nnames++] = copy;
	*slot = (uint32_t)t->nnames;
	return copy;
}

/* The snapshot entry for the faulting region of @ev, if the snapshot has it. */
static const struct map_entry *event_region(const struct proc *p, const struct cw_event *ev)
{
	const struct map_entry *e;

	if (!p->maps)
		return NULL;
	e = maps_find(ref_maps(p->maps), ev->addr);
	if (e && e->ino == ev->ino)
		return e;
	/* A region grown since the snapshot (the heap) still starts where it did. */
	e = maps_find(ref_maps(p->maps), ev->vm_start);
	if (e && e->start == ev->vm_start && e->ino == ev->ino)
		return e;
	return NULL;
}

static struct file_name **file_slot(struct proc_table *t, uint32_t dev, uint64_t ino)
{
	struct file_name **f = &t->files[(ino ^ dev) % (sizeof(t->files) / sizeof(t->files[0]))];

	while (*f && ((*f)->dev != dev || (*f)->ino != ino))
		f = &(*f)->next;
	return f;
}

const char *procs_file(struct proc_table *t, uint32_t dev, uint64_t ino, const char *path)
{
	struct file_name **slot = file_slot(t, dev, ino);

	if (!*slot) {
		*slot = calloc(1, sizeof(**slot));
		if (!*slot)
			return intern(t, path);
		(*slot)->dev = dev;
		(*slot)->ino = ino;
	}
	(*slot)->path = intern(t, path);
	return (*slot)->path;
}

/*
 * The path of @ev's file: the module sends it with the first event of a
 * file (and again when it may have been lost), taken while the region
 * existed. The latest sent for a device and inode is the one in force.
 */
static const char *file_path(struct proc_table *t, const struct cw_event *ev)
{
	struct file_name **slot = file_slot(t, ev->dev, ev->ino);

	return *slot ? (*slot)->path : NULL;
}

/* @literal interned, kept in *@cache: the names most events of a storm get. */
static const char *fixed_name(struct proc_table *t, const char **cache, const char *literal)
{
	const char *name = *cache;

	if (!name) {
		name = intern(t, literal);
		if (strcmp(name, "[?]"))	/* out of memory: asked again next time */
			*cache = name;
	}
	return name;
}

static const char *region_name(struct proc_table *t, struct proc *p, const struct cw_event *ev)
{
	const struct map_entry *e;
	const char *known;
	char buf[64];

	known = ev->ino ? file_path(t, ev) : NULL;
	if (known)
		return known;
	if (!ev->ino && (ev->flags & COWWATCH_EVF_HEAP))
		return fixed_name(t, &t->name_heap, "[heap]");
	if (!ev->ino && (ev->flags & COWWATCH_EVF_STACK))
		return fixed_name(t, &t->name_stack, "[stack]");
	e = event_region(p, ev);
	if (!e) {
		const struct maps_data *before = p->maps ? p->maps->data : NULL;

		/* Looked up again only in a snapshot that changed. */
		refresh_on_miss(t, p, ev->time_ns);
		if (p->maps && p->maps->data != before)
			e = event_region(p, ev);
	}
	if (e)
		return intern(t, map_entry_name(e));
	/* Interned like every name: regions are told apart by the pointer. */
	if (!ev->ino)
		return fixed_name(t, &t->name_anon, "[anon]");
	/* The kernel's dev is new_encode_dev(): minor bits around the major. */
	snprintf(buf, sizeof(buf), "[file %x:%x inode %llu]", (ev->dev & 0xfff00) >> 8,
		 (ev->dev & 0xff) | ((ev->dev >> 12) & 0xfff00), (unsigned long long)ev->ino);
	return intern(t, buf);
}

/* Faults @ev stands for: its count, 1 for an event. */
static uint64_t faults_of(const struct cw_event *ev)
{
	return ev->count ? ev->count : 1;
}

static void add_region(struct proc *p, const struct cw_event *ev, const char *name)
{
	struct region_stat *r;

	for (size_t i = 0; i < p->nregions; i++) {
		r = &p->regions[i];
		if (r->start == ev->vm_start && r->name == name) {
			if (ev->vm_end > r->end)
				r->end = ev->vm_end;
			r->pages += faults_of(ev);
			return;
		}
	}
	r = array_grow(p->regions, &p->cap_regions, p->nregions, sizeof(*r), 8);
	if (!r)
		return;
	p->regions = r;
	p->regions[p->nregions++] = (struct region_stat){
		.name = name, .start = ev->vm_start, .end = ev->vm_end, .pages = faults_of(ev),
	};
}

/*
 * The code at @ip of @p, as its map read at or after @when_ns shows it.
 * True if @p's snapshot (as it is now) has @ip: the same snapshot and ip
 * give the same answer again.
 */
static bool resolve_addr(struct proc_table *t, struct proc *p, uint64_t ip, uint64_t when_ns,
			 struct site_stat *s)
{
	const struct map_entry *e = NULL;
	struct sym_result r;

	*s = (struct site_stat){ .dso = "[unknown]", .offset = ip };
	if (!ip)
		return false;
	if (p->maps)
		e = maps_find(ref_maps(p->maps), ip);
	if (!e) {
		refresh_on_miss(t, p, when_ns);
		if (p->maps)
			e = maps_find(ref_maps(p->maps), ip);
	}
	if (!e)
		return false;
	if (symbolizer_lookup(t->sym, e, ip, &r) < 0) {
		/* Code outside any file: JIT or generated code. */
		s->dso = "[anon]";
		return true;
	}
	s->dso = r.dso;
	s->symbol = r.symbol;
	s->offset = r.offset;
	return true;
}

/*
 * The event's code site: the last event's again if it came from the same
 * ip in the same snapshot (the names are the symbolizer's, kept for the
 * reader's life), else looked up. A miss is not kept: the next event may
 * find the snapshot read again.
 */
static void resolve_site(struct proc_table *t, struct proc *p, const struct cw_event *ev,
			 struct site_stat *s)
{
	if (p->maps && ev->ip && p->site_ip == ev->ip && p->site_serial == p->maps->data->serial) {
		*s = p->site_last;
		return;
	}
	if (resolve_addr(t, p, ev->ip, ev->time_ns, s) && p->maps) {
		p->site_serial = p->maps->data->serial;
		p->site_ip = ev->ip;
		p->site_last = *s;
	}
}

void site_frame_name(const struct site_stat *s, char *buf, size_t len)
{
	const char *slash;

	if (s->symbol) {
		snprintf(buf, len, "%s", s->symbol);
		return;
	}
	slash = strrchr(s->dso, '/');
	snprintf(buf, len, "%s+0x%" PRIx64, slash ? slash + 1 : s->dso, s->offset);
}

/* The callers of @a's chain, outermost first, interned; NULL if none. */
static const char *chain_of(struct proc_table *t, const struct attribution *a)
{
	static const char sep[2] = { CW_CHAIN_SEP, '\0' };
	char buf[CW_CHAIN_FRAMES * 64], name[256];
	size_t at = 0;

	if (a->nframes < 2)
		return NULL;
	buf[0] = '\0';
	for (int i = a->nframes - 1; i >= 1; i--) {
		int n;

		site_frame_name(&a->frames[i], name, sizeof(name));
		n = snprintf(buf + at, sizeof(buf) - at, "%s%s", at ? sep : "", name);
		if (n < 0 || (size_t)n >= sizeof(buf) - at)
			break;
		at += (size_t)n;
	}
	return intern(t, buf);
}

_Static_assert(CW_UNWIND_REGS == COWWATCH_STACK_REGS, "the module's registers are the unwinder's");

/* The return addresses of @ev's sample over @p's map; as unwinder_run(). */
static int unwind_sample_of(struct proc *p, const struct cw_event *ev, uint64_t *pcs)
{
	struct unwind_sample s;
	struct maps_data *d;

	if (!p->maps || !p->maps->data)
		return -ENOENT;
	d = p->maps->data;
	if (!d->unw && !(d->unw = unwinder_new(p->pid, &d->m)))
		return -ENOMEM;
	memcpy(s.regs, ev->stack->regs, sizeof(s.regs));
	s.stack_addr = ev->stack->regs[CW_UNWIND_RSP];
	s.stack = ev->stack_data;
	s.stack_len = ev->stack->len;
	return unwinder_run(d->unw, &s, pcs, CW_CHAIN_FRAMES);
}

/*
 * --stacks: the call chain of a copy, unwound from the module's sample
 * over the process's map (the one its site was named from). A return
 * address is named by the call before it (address - 1).
 */
static void unwind_event(struct proc_table *t, struct proc *p, const struct cw_event *ev,
			 struct attribution *a)
{
	uint64_t pcs[CW_CHAIN_FRAMES];
	int n = unwind_sample_of(p, ev, pcs);

	a->nframes = 0;
	a->chain = NULL;
	/*
	 * The chain ends outside the map: a library mapped after the snapshot
	 * was read (at exec, before the loader mapped libc). Once more with a
	 * fresh map, the process's own or, if it is gone, its parent's.
	 */
	if (n > 0 && !maps_find(ref_maps(p->maps), pcs[n - 1])) {
		const struct maps_data *before = p->maps->data;

		refresh_on_miss(t, p, ev->time_ns);
		if (p->maps && p->maps->data != before)
			n = unwind_sample_of(p, ev, pcs);
	}
	if (n <= 0)
		return;
	a->frames[0] = a->site;
	for (int i = 1; i < n; i++)
		resolve_addr(t, p, pcs[i] - 1, ev->time_ns, &a->frames[i]);
	a->nframes = n;
	a->chain = chain_of(t, a);
}

static bool same_site(const struct site_stat *a, const struct site_stat *b)
{
	if (strcmp(a->dso, b->dso) != 0)
		return false;
	if (a->symbol || b->symbol)
		return a->symbol && b->symbol && !strcmp(a->symbol, b->symbol);
	return a->offset == b->offset;
}

static void add_site(struct proc *p, const struct site_stat *s, uint64_t pages)
{
	struct site_stat *n;

	for (size_t i = 0; i < p->nsites; i++) {
		if (same_site(&p->sites[i], s)) {
			p->sites[i].pages += pages;
			return;
		}
	}
	n = array_grow(p->sites, &p->cap_sites, p->nsites, sizeof(*n), 8);
	if (!n)
		return;
	p->sites = n;
	n = &p->sites[p->nsites++];
	*n = *s;
	n->pages = pages;
	/* A site keeps only the symbol: its offset varies from hit to hit. */
	if (n->symbol)
		n->offset = 0;
}

static void add_path(struct proc *p, const char *region, const char *chain,
		     const struct site_stat *s, uint64_t pages)
{
	struct path_stat *n;

	for (size_t i = 0; i < p->npaths; i++) {
		if (p->paths[i].region == region && p->paths[i].chain == chain &&
		    same_site(&p->paths[i].site, s)) {
			p->paths[i].site.pages += pages;
			return;
		}
	}
	n = array_grow(p->paths, &p->cap_paths, p->npaths, sizeof(*n), 8);
	if (!n)
		return;
	p->paths = n;
	n = &p->paths[p->npaths++];
	n->region = region;
	n->chain = chain;
	n->site = *s;
	n->site.pages = pages;
	if (n->site.symbol)
		n->site.offset = 0;
}

/* What @ev counts for @p: its outcome's count, times, and where a copy was. */
static void account(struct proc *p, const struct cw_event *ev, const struct attribution *a)
{
	uint64_t first = ev->first_ns ? ev->first_ns : ev->time_ns;

	if (!p->first_ns || first < p->first_ns)
		p->first_ns = first;
	if (ev->time_ns > p->last_ns)
		p->last_ns = ev->time_ns;
	if (ev->outcome < __COWWATCH_OUT_MAX)
		p->ev_counts[ev->outcome] += faults_of(ev);
	if (!a || !cw_outcome_copies(ev->outcome))
		return;
	p->ev_copied_bytes += (uint64_t)ev->page_size * faults_of(ev);
	add_region(p, ev, a->region);
	add_site(p, &a->site, faults_of(ev));
	add_path(p, a->region, a->chain, &a->site, faults_of(ev));
}

struct proc *procs_event_attributed(struct proc_table *t, const struct cw_event *ev,
				    const struct attribution *a)
{
	struct proc *p = procs_get(t, ev->pid);
	struct attribution in = {
		.region = intern(t, a->region),
		.site = {
			.dso = intern(t, a->site.dso),
			.symbol = a->site.symbol ? intern(t, a->site.symbol) : NULL,
			.offset = a->site.offset,
		},
	};

	/* A recorded chain (--stacks), its names interned, its callers for --folded. */
	for (int i = 0; i < a->nframes; i++) {
		in.frames[i] = (struct site_stat){
			.dso = intern(t, a->frames[i].dso),
			.symbol = a->frames[i].symbol ? intern(t, a->frames[i].symbol) : NULL,
			.offset = a->frames[i].offset,
		};
	}
	in.nframes = a->nframes;
	in.chain = cw_outcome_copies(ev->outcome) ? chain_of(t, &in) : NULL;
	if (p)
		account(p, ev, &in);
	return p;
}

struct proc *procs_event(struct proc_table *t, const struct cw_event *ev,
			 struct attribution *out)
{
	struct proc *p = procs_get(t, ev->pid);
	bool copies = cw_outcome_copies(ev->outcome);
	struct attribution a;

	if (!p)
		return NULL;
	/* A process is named by its main thread (as ps names it), not by the others. */
	if (ev->comm[0] && ev->tid == ev->tgid)
		memcpy(p->comm, ev->comm, sizeof(p->comm));
	if (!copies && !out) {
		account(p, ev, NULL);
		return p;
	}
	a.region = region_name(t, p, ev);
	resolve_site(t, p, ev, &a.site);
	a.nframes = 0;
	a.chain = NULL;
	if (ev->stack && copies)
		unwind_event(t, p, ev, &a);
	account(p, ev, &a);
	if (out)
		*out = a;
	return p;
}

void procs_exit(struct proc_table *t, const struct cw_exit *ex)
{
	struct proc *p = procs_get(t, ex->pid);

	if (!p)
		return;
	memcpy(p->exit_counts, ex->counts, sizeof(p->exit_counts));
	if (ex->comm[0])
		memcpy(p->comm, ex->comm, sizeof(p->comm));
	p->exited = true;
}

const uint64_t *proc_counts(const struct proc *p)
{
	return p->exited ? p->exit_counts : p->ev_counts;
}

uint64_t proc_copied_bytes(const struct proc *p)
{
	uint64_t bytes = p->ev_copied_bytes;

	if (!p->exited)
		return bytes;
	/* Copies whose events were lost: their page size is not known; count base pages. */
	for (uint32_t o = 0; o < __COWWATCH_OUT_MAX; o++)
		if (cw_outcome_copies(o) && p->exit_counts[o] > p->ev_counts[o])
			bytes += (p->exit_counts[o] - p->ev_counts[o]) * BASE_PAGE;
	return bytes;
}

static int by_bytes(const void *a, const void *b)
{
	const struct proc *pa = *(struct proc *const *)a, *pb = *(struct proc *const *)b;
	uint64_t x = proc_copied_bytes(pa), y = proc_copied_bytes(pb);

	if (x != y)
		return x > y ? -1 : 1;
	return (pa->pid > pb->pid) - (pa->pid < pb->pid);
}

struct proc **procs_sorted(const struct proc_table *t, size_t *n)
{
	struct proc **v = malloc((t->count ? t->count : 1) * sizeof(*v));
	size_t k = 0;

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < BUCKETS; i++)
		for (struct proc *p = t->buckets[i]; p; p = p->next)
			v[k++] = p;
	qsort(v, k, sizeof(*v), by_bytes);
	*n = k;
	return v;
}

static int region_by_pages(const void *a, const void *b)
{
	const struct region_stat *x = a, *y = b;

	if (x->pages != y->pages)
		return x->pages > y->pages ? -1 : 1;
	if (x->start != y->start)
		return x->start > y->start ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Same pages: by DSO, then symbol (none first), then offset, so runs agree. */
static int site_order(const struct site_stat *x, const struct site_stat *y)
{
	int c;

	if (x->pages != y->pages)
		return x->pages > y->pages ? -1 : 1;
	c = strcmp(x->dso, y->dso);
	if (c)
		return c;
	if (!x->symbol || !y->symbol) {
		if (x->symbol != y->symbol)
			return x->symbol ? 1 : -1;
		return (x->offset > y->offset) - (x->offset < y->offset);
	}
	return strcmp(x->symbol, y->symbol);
}

static int site_by_pages(const void *a, const void *b)
{
	return site_order(a, b);
}

static int path_by_pages(const void *a, const void *b)
{
	const struct path_stat *x = a, *y = b;
	int c = site_order(&x->site, &y->site);

	return c ? c : strcmp(x->region, y->region);
}

void proc_sort_details(struct proc *p)
{
	if (p->nregions)
		qsort(p->regions, p->nregions, sizeof(*p->regions), region_by_pages);
	if (p->nsites)
		qsort(p->sites, p->nsites, sizeof(*p->sites), site_by_pages);
	if (p->npaths)
		qsort(p->paths, p->npaths, sizeof(*p->paths), path_by_pages);
}
