// How the process's memory is asked of and given back to the system (glibc's malloc; elsewhere
// these do nothing). A render holds a few large, long-lived buffers (x264's, the decoders'
// picture pools) beside a stream of 3 MB pictures and encoded packets freed by other threads
// than the ones that made them; glibc's defaults let each thread's arena keep what it freed.
#pragma once

namespace shortpack {

// Called once at start-up, before any thread: keeps glibc's mmap threshold at 4 MiB and its trim
// threshold at 64 MiB instead of letting the first large free raise them (to 32 and 64 MiB). With
// the raised threshold, every buffer under 32 MiB came from the arenas and stayed there once
// freed: issue 28's campaign job (`one_file_per_shape`, 30 s clips) peaked at 901 MiB, 797 MiB
// with these (the same wall and system time); a trim threshold left at 128 KiB gave back memory
// so eagerly that system time tripled. Settings the user made (GLIBC_TUNABLES, MALLOC_*_) win.
void tune_memory_allocator();

// Gives the memory freed by the process back to the system (glibc's malloc_trim). Called after
// each pass of run_clip_graph, after a span's encoder closes and after each clip's files are
// checked.
void return_freed_memory();

}  // namespace shortpack
