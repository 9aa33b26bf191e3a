using System.Diagnostics;

namespace Mailbox;

/// <summary>
/// A value-type state and its callback, boxed so that a <see cref="LoopActor.Post{TState}(Action{TState}, TState)"/>
/// envelope is two references (16 bytes), and reused: a sender rents a box, the loop gives it back after the callback.
/// </summary>
/// <remarks>
/// The pool is per state type and per thread, with whole batches moving between threads: a sender takes boxes from its
/// own batch and, when that is empty, swaps it for a full batch; the thread that runs the callbacks fills a batch of
/// its own and, when it is full, hands it over. So a post touches no line another thread writes, but for one lock taken
/// per <see cref="BatchSize"/> boxes on each side. Boxes live only between a post and its callback; one dropped (its
/// message discarded by a stop, its callback faulted, its timer cancelled) is garbage, not a leak, and the pool keeps at
/// most <see cref="MaxSpareBatches"/> full batches, so a burst does not stay in memory.
/// </remarks>
/// <typeparam name="TState">The state's type: a value type.</typeparam>
internal sealed class StateBox<TState>
{
    /// <summary>Boxes that move between threads together.</summary>
    internal const int BatchSize = 64;

    /// <summary>Full batches the pool keeps at most (about 65,000 boxes).</summary>
    internal const int MaxSpareBatches = 1024;

    /// <summary>Guards <see cref="s_full"/> and <see cref="s_empty"/>.</summary>
    private static readonly Lock s_sync = new();

    /// <summary>Batches of <see cref="BatchSize"/> boxes, ready to rent.</summary>
    private static readonly Stack<StateBox<TState>[]> s_full = new();

    /// <summary><see cref="s_full"/>'s count, written under the lock, read without it as a hint.</summary>
    private static int s_fullCount;

    /// <summary>Batch arrays whose boxes were all rented, for the returning side to fill.</summary>
    private static readonly Stack<StateBox<TState>[]> s_empty = new();

    /// <summary>The calling thread's boxes to rent, in <c>[0, t_rentCount)</c>.</summary>
    [ThreadStatic]
    private static StateBox<TState>[]? t_rent;

    [ThreadStatic]
    private static int t_rentCount;

    /// <summary>The boxes the calling thread has given back, in <c>[0, t_backCount)</c>.</summary>
    [ThreadStatic]
    private static StateBox<TState>[]? t_back;

    [ThreadStatic]
    private static int t_backCount;

    /// <summary>The callback; null while the box is in the pool.</summary>
    public Action<TState>? Callback;

    /// <summary>The state; default while the box is in the pool.</summary>
    public TState State = default!;

    /// <summary>A box from the calling thread's batch, or from a full one, or a new one.</summary>
    public static StateBox<TState> Rent()
    {
        var rent = t_rent;
        int count = t_rentCount;
        if (rent is not null && count > 0)
        {
            t_rentCount = --count;
            var box = rent[count];
            rent[count] = null!;
            return box;
        }

        return RentFromFullBatch();
    }

    /// <summary>Clears the box and gives it back through the calling thread's batch.</summary>
    public void Recycle()
    {
        Callback = null;
        State = default!;
        var back = t_back ??= TakeEmptyBatch();
        int count = t_backCount;
        back[count++] = this;
        if (count < BatchSize)
        {
            t_backCount = count;
            return;
        }

        lock (s_sync)
        {
            if (s_full.Count < MaxSpareBatches)
            {
                s_full.Push(back);
                s_fullCount = s_full.Count;
            }
        }

        t_back = null;
        t_backCount = 0;
    }

    private static StateBox<TState> RentFromFullBatch()
    {
        if (t_rent is null && Volatile.Read(ref s_fullCount) == 0)
        {
            return new StateBox<TState>(); // nothing to swap in: a sender running ahead of the loop does not take the lock per post
        }

        StateBox<TState>[]? batch;
        lock (s_sync)
        {
            if (t_rent is { } spent)
            {
                s_empty.Push(spent); // its boxes are all out: the returning side can fill it again
            }

            s_full.TryPop(out batch);
            s_fullCount = s_full.Count;
        }

        t_rent = batch;
        t_rentCount = 0;
        if (batch is null)
        {
            return new StateBox<TState>();
        }

        Debug.Assert(batch.Length == BatchSize, "a full batch holds BatchSize boxes");
        t_rentCount = BatchSize - 1;
        var box = batch[BatchSize - 1];
        batch[BatchSize - 1] = null!;
        return box;
    }

    private static StateBox<TState>[] TakeEmptyBatch()
    {
        lock (s_sync)
        {
            return s_empty.TryPop(out var batch) ? batch : new StateBox<TState>[BatchSize];
        }
    }
}
