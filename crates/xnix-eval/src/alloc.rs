//! The allocator evaluating programs install as their global allocator, with one line at
//! the top level of the program's crate:
//!
//! ```ignore
//! xnix_eval::global_allocator!();
//! ```
//!
//! The macro defines the per-thread free lists and the allocator static in the program's own
//! crate: reached through another crate's thread-local, every allocation would pay an
//! indirect call (about a tenth more instructions on module-system evaluations).
//!
//! Evaluation allocates and frees many small objects (thunks, environments) and large
//! attribute-set vectors; mimalloc handles that pattern several times faster than glibc's
//! allocator, whose consolidation of freed chunks dominated `//`-heavy evaluations. The
//! library itself sets no global allocator: that choice belongs to the program.

/// An allocation that cannot be satisfied ends the process as Nix's does: `error: out of
/// memory` on standard error and exit status 1 (the standard library's handler would abort,
/// which reads as a crash). No evaluation survives running out of memory anyway, and
/// nothing here allocates.
#[cold]
#[inline(never)]
fn out_of_memory() -> ! {
    const MESSAGE: &[u8] = b"error: out of memory\n";
    // SAFETY: writing a static buffer to standard error, then ending the process without
    // running anything else (exit handlers might allocate).
    unsafe {
        libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
        libc::_exit(1)
    }
}

/// mimalloc, entered through its plain `malloc` for the usual alignments (the `mimalloc`
/// crate always calls `mi_malloc_aligned`, whose generic path cost a tenth of all
/// instructions of attribute-set-heavy evaluations), behind per-thread free lists for
/// small blocks (see [`SmallPool`]).
pub struct EvalAllocator {
    pool: &'static std::thread::LocalKey<SmallPool>,
}

impl EvalAllocator {
    /// The allocator over the free lists in `pool` (made by [`global_allocator!`]).
    pub const fn new(pool: &'static std::thread::LocalKey<SmallPool>) -> EvalAllocator {
        EvalAllocator { pool }
    }
}

/// Every mimalloc block is aligned to at least a machine word.
const PLAIN_ALIGN: usize = std::mem::size_of::<usize>();

/// Small blocks come in multiples of this size (as mimalloc's smallest size classes do, so
/// that blocks waste no more than there).
const SMALL_GRAIN: usize = 8;
/// The largest alignment served from the free lists: chunks are aligned to it, and layouts
/// that ask for it get a size class that is a multiple of it.
const SMALL_ALIGN: usize = 16;
/// The largest block size served from the free lists: thunks (56 bytes), environments (72),
/// closures, `Rc` cells of sets, lists and strings all fit.
const SMALL_MAX: usize = 128;
/// Size classes of small blocks.
const SMALL_CLASSES: usize = SMALL_MAX / SMALL_GRAIN;
/// Bytes taken from mimalloc at once when a free list runs dry.
const SMALL_CHUNK: usize = 64 << 10;

/// Per-thread free lists of small blocks, one per size class. Evaluation allocates and
/// frees millions of thunks and environments; popping and pushing a list costs a few
/// instructions where mimalloc's general entry points cost several times that (a tenth
/// of all instructions of module-system evaluations). Blocks are carved from chunks that
/// are never returned: a freed block goes to the freeing thread's list for the next
/// allocation of its size, on any thread, so memory is reused but not given back to the
/// system (the lists of a thread that ends stay unused).
pub struct SmallPool {
    free: [std::cell::Cell<*mut u8>; SMALL_CLASSES],
}

impl SmallPool {
    /// Empty free lists. The pool has no destructor (plain pointers), so the allocator may
    /// use it at any time, even while the thread's other thread-locals are being destroyed.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> SmallPool {
        SmallPool {
            free: [const { std::cell::Cell::new(std::ptr::null_mut()) }; SMALL_CLASSES],
        }
    }
}

/// Installs [`EvalAllocator`] as the program's global allocator, with its free lists in a
/// thread-local of the program's crate (see the module documentation).
#[macro_export]
macro_rules! global_allocator {
    () => {
        ::std::thread_local! {
            static XNIX_EVAL_SMALL_POOL: $crate::alloc::SmallPool =
                const { $crate::alloc::SmallPool::new() };
        }
        #[global_allocator]
        static XNIX_EVAL_ALLOCATOR: $crate::alloc::EvalAllocator =
            $crate::alloc::EvalAllocator::new(&XNIX_EVAL_SMALL_POOL);
    };
}

/// The size class of a layout served by the free lists, if it is one.
#[inline(always)]
fn small_class(layout: std::alloc::Layout) -> Option<usize> {
    let mut size = layout.size();
    if size.wrapping_sub(1) >= SMALL_MAX || layout.align() > SMALL_ALIGN {
        return None;
    }
    if layout.align() > SMALL_GRAIN {
        // Blocks of a size class that is a multiple of SMALL_ALIGN, carved from an aligned
        // chunk, are all aligned to it.
        size = (size + SMALL_ALIGN - 1) & !(SMALL_ALIGN - 1);
    }
    Some((size - 1) / SMALL_GRAIN)
}

/// A block of size class `class` from the thread's free list.
#[inline(always)]
unsafe fn small_alloc(pool: &'static std::thread::LocalKey<SmallPool>, class: usize) -> *mut u8 {
    pool.with(|pool| {
        let cell = &pool.free[class];
        let head = cell.get();
        if head.is_null() {
            return small_refill(cell, class);
        }
        // SAFETY: a free block's first word links to the next free block of its class.
        cell.set(unsafe { *(head as *mut *mut u8) });
        head
    })
}

/// Carve a new chunk into blocks of size class `class`: one is returned, the rest go to
/// the free list `cell` (empty on entry).
#[cold]
#[inline(never)]
unsafe fn small_refill(cell: &std::cell::Cell<*mut u8>, class: usize) -> *mut u8 {
    let size = (class + 1) * SMALL_GRAIN;
    // SAFETY: plain mimalloc allocation.
    let chunk = unsafe { libmimalloc_sys::mi_malloc_aligned(SMALL_CHUNK, SMALL_ALIGN) } as *mut u8;
    if chunk.is_null() {
        out_of_memory();
    }
    let count = SMALL_CHUNK / size;
    let mut next: *mut u8 = std::ptr::null_mut();
    // Linked from the end so that blocks are handed out in address order.
    for i in (1..count).rev() {
        // SAFETY: block `i` lies inside the chunk; its first word is free to hold the link.
        unsafe {
            let block = chunk.add(i * size);
            *(block as *mut *mut u8) = next;
            next = block;
        }
    }
    cell.set(next);
    chunk
}

/// Put a block of size class `class` on the thread's free list.
#[inline(always)]
unsafe fn small_free(pool: &'static std::thread::LocalKey<SmallPool>, ptr: *mut u8, class: usize) {
    // During thread teardown the list may be gone; the block is then simply not reused.
    let _ = pool.try_with(|pool| {
        let cell = &pool.free[class];
        // SAFETY: the block is no longer in use; its first word now holds the link.
        unsafe { *(ptr as *mut *mut u8) = cell.get() };
        cell.set(ptr);
    });
}

// SAFETY: blocks of small layouts (size 1..=SMALL_MAX, alignment <= SMALL_ALIGN) come from
// the per-thread free lists, carved from SMALL_ALIGN-aligned chunks in multiples of
// SMALL_GRAIN bytes (of SMALL_ALIGN bytes for layouts aligned to more than SMALL_GRAIN),
// and go back to a free list, never to mimalloc (the layout at deallocation is the one of
// the allocation, so both sides agree on which kind a block is). Every other pointer comes
// from mimalloc with at least `layout.align()` alignment (plain blocks are word-aligned,
// larger alignments go to the aligned entry points) and is returned to mimalloc, which
// accepts pointers from any of its entry points.
unsafe impl std::alloc::GlobalAlloc for EvalAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if let Some(class) = small_class(layout) {
            return unsafe { small_alloc(self.pool, class) };
        }
        let p = if layout.align() <= PLAIN_ALIGN {
            libmimalloc_sys::mi_malloc(layout.size()) as *mut u8
        } else {
            libmimalloc_sys::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
        };
        if p.is_null() {
            out_of_memory();
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if let Some(class) = small_class(layout) {
            let p = unsafe { small_alloc(self.pool, class) };
            if !p.is_null() {
                // SAFETY: the block holds at least `layout.size()` bytes.
                unsafe { std::ptr::write_bytes(p, 0, layout.size()) };
            }
            return p;
        }
        let p = if layout.align() <= PLAIN_ALIGN {
            libmimalloc_sys::mi_zalloc(layout.size()) as *mut u8
        } else {
            libmimalloc_sys::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
        };
        if p.is_null() {
            out_of_memory();
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        if let Some(class) = small_class(layout) {
            return unsafe { small_free(self.pool, ptr, class) };
        }
        libmimalloc_sys::mi_free(ptr as *mut std::ffi::c_void)
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY (layout): `realloc`'s contract makes `new_size` valid with this alignment.
        let new_layout =
            unsafe { std::alloc::Layout::from_size_align_unchecked(new_size, layout.align()) };
        if small_class(layout).is_some() || small_class(new_layout).is_some() {
            // SAFETY: allocate, copy what both blocks hold, free the old one.
            unsafe {
                let p = self.alloc(new_layout);
                if !p.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                return p;
            }
        }
        let p = if layout.align() <= PLAIN_ALIGN {
            libmimalloc_sys::mi_realloc(ptr as *mut std::ffi::c_void, new_size) as *mut u8
        } else {
            libmimalloc_sys::mi_realloc_aligned(
                ptr as *mut std::ffi::c_void,
                new_size,
                layout.align(),
            ) as *mut u8
        };
        if p.is_null() {
            out_of_memory();
        }
        p
    }
}
