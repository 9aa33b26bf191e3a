using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Mailbox;

/// <summary>
/// A hint to the processor to start loading an object the loop will read soon. A million pending timers are a million
/// objects, and the store hands them out in due order, not in the order they sit in memory: every firing (and every reuse
/// of a pooled cell) would otherwise wait for a cache miss the bare <c>PriorityQueue</c> loop, whose timers carry no
/// object, never takes. Issued a few timers ahead, the loads overlap instead of coming one after another.
/// </summary>
/// <remarks>
/// The address is read from the reference and used at once; should the GC move the object in between, the hint is
/// merely wasted (a prefetch never faults). Without SSE (Arm) it does nothing.
/// </remarks>
internal static class CachePrefetch
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Object(object target)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0((void*)Unsafe.As<object, nint>(ref target));
        }
    }
}
