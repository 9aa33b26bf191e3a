using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mailbox;

/// <summary>
/// The point at which a data-lane send is accepted, and the exact count of accepted sends. A struct held in place in
/// its loop (a grouped loop's single counter then costs no object of its own); never copied.
/// </summary>
/// <remarks>
/// A sender enters the gate with one interlocked increment on a stripe picked by its thread id, before it writes its
/// envelope to the lane. <see cref="Close"/> sets a closed bit in every stripe with
/// <see cref="Interlocked.Or(ref long, long)"/>: a sender whose increment came first is accepted (and will land in the
/// lane), one whose increment came after sees the bit and is refused. So the total returned by <see cref="Close"/> is
/// exactly the number of accepted sends, with no scan of the queue — which is what lets an Immediate stop of a loop with
/// a million queued messages report its <c>Discarded</c> count in O(stripes).
/// The increment is also the full fence that the reader's park/wake handshake needs on the sender side (see
/// <c>LoopActor.Reader.cs</c>). Stripes sit on their own 128-byte blocks so that senders on different threads do not
/// share a cache line with each other or with the reader.
/// <para>
/// A grouped loop's gate starts as one counter (a kilobyte of stripes for each of a hundred thousand quiet loops would
/// cost more than contention saves) and takes its stripes the first time two senders meet on it: it enters with a CAS,
/// and a CAS that fails means another sender got there in between. With two producers streaming into one grouped loop
/// the shared counter was what they paid for (benchmarks.md, "Run of 2026-12-04, late"). The switch keeps the total
/// exact: the stripes are published with a CAS on a null field, and <see cref="Close"/> swaps that field from null to an
/// empty sentinel before it looks for stripes, so a sender either entered through stripes the closer then closes, or
/// through the one counter, which the closer closed first.
/// </para>
/// </remarks>
internal struct SendGate
{
    /// <summary>The bit <see cref="Close"/> sets in every stripe; below it, a stripe counts entries.</summary>
    private const long ClosedBit = 1L << 62;

    /// <summary>What a closed gate that never took stripes holds in <see cref="_stripes"/>: none, and none can come.</summary>
    private static readonly Stripe[] s_closedWithoutStripes = [];

    /// <summary>
    /// Per-thread-hash entry counters; written by senders (Interlocked), read by the reader and the closer. Null while a
    /// grouped loop's gate counts in <see cref="_single"/>; set once, by CAS, to its stripes or (by the closer) to
    /// <see cref="s_closedWithoutStripes"/>.
    /// </summary>
    private Stripe[]? _stripes;

    /// <summary>The one counter of a single-stripe gate (a grouped loop's): no array, no padding.</summary>
    private long _single;

    /// <summary>The exact accepted total, fixed by <see cref="Close"/>; -1 while open. Written once, by the closer.</summary>
    private long _closedTotal = -1;

    /// <summary>Stripes for a dedicated loop: its senders may be many threads at once, each on its own stripe.</summary>
    public static readonly int DedicatedStripes = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount * 2, 8, 64));

    /// <param name="stripes">A power of two: <see cref="DedicatedStripes"/>, or 1 for a grouped loop's gate, which starts as one counter and takes <see cref="DedicatedStripes"/> stripes when two senders meet on it.</param>
    public SendGate(int stripes)
    {
        _stripes = stripes == 1 ? null : new Stripe[stripes];
        Debug.Assert(stripes == 1 || stripes == DedicatedStripes, "one counter, or the dedicated stripes");
    }

    /// <summary>Whether the gate counts in one field (a grouped loop's, until two senders meet on it): then reading <see cref="Accepted"/> is one load, cheaper than a look into the lane.</summary>
    public bool IsSingle => Volatile.Read(ref _stripes) is not { Length: > 0 };

    /// <summary>Whether <see cref="Close"/> has run.</summary>
    public bool IsClosed => Volatile.Read(ref _closedTotal) >= 0;

    /// <summary>Tries to enter; true means the send is accepted and the caller must now write it to the lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnter()
    {
        if (Volatile.Read(ref _stripes) is { Length: > 0 } stripes)
        {
            return (Interlocked.Increment(ref stripes[Environment.CurrentManagedThreadId & (DedicatedStripes - 1)].Count) & ClosedBit) == 0;
        }

        return TryEnterSingle();
    }

    /// <summary>The one counter's entry: a CAS, so that a second sender in between shows, and the gate then takes stripes.</summary>
    private bool TryEnterSingle()
    {
        while (true)
        {
            long count = Volatile.Read(ref _single);
            if ((count & ClosedBit) != 0)
            {
                return false; // closed: refused, and not counted (a closed gate's total is fixed anyway)
            }

            if (Interlocked.CompareExchange(ref _single, count + 1, count) == count)
            {
                return true;
            }

            // Another sender entered between the read and the CAS: two are streaming into this loop. Take stripes (one
            // of the racing senders publishes them; a closer may have won instead) and enter again.
            TakeStripes();
            if (Volatile.Read(ref _stripes) is { Length: > 0 })
            {
                return TryEnter();
            }
        }
    }

    /// <summary>Takes stripes unless the gate has some or is closed: what a gate does when two senders meet on it (and tests call).</summary>
    internal void TakeStripes()
    {
        if (Volatile.Read(ref _stripes) is null)
        {
            Interlocked.CompareExchange(ref _stripes, new Stripe[DedicatedStripes], null);
        }
    }

    /// <summary>Accepted sends so far (once closed: the exact final total). Any thread; O(stripes).</summary>
    public long Accepted
    {
        get
        {
            long closed = Volatile.Read(ref _closedTotal);
            if (closed >= 0)
            {
                return closed;
            }

            long sum = Volatile.Read(ref _single) & ~ClosedBit;
            foreach (ref var stripe in Volatile.Read(ref _stripes).AsSpan())
            {
                sum += Volatile.Read(ref stripe.Count) & ~ClosedBit;
            }

            return sum;
        }
    }

    /// <summary>Closes the gate; returns false if it was already closed. Callers are serialised by the loop's state transition.</summary>
    public bool Close()
    {
        if (IsClosed)
        {
            return false;
        }

        long total = Interlocked.Or(ref _single, ClosedBit) & ~ClosedBit;

        // From here no stripes can be taken: a gate still on its one counter gets the empty sentinel. If stripes came
        // first, a sender may be entering through them, and they are closed below.
        var stripes = Interlocked.CompareExchange(ref _stripes, s_closedWithoutStripes, null);
        foreach (ref var stripe in stripes.AsSpan())
        {
            total += Interlocked.Or(ref stripe.Count, ClosedBit) & ~ClosedBit;
        }

        Volatile.Write(ref _closedTotal, total);
        return true;
    }

    /// <summary>One counter alone on its 128-byte block (two cache lines, against adjacent-line prefetch).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Stripe
    {
        [FieldOffset(64)]
        public long Count;
    }
}
