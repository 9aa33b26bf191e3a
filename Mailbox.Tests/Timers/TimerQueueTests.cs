using System.Runtime.CompilerServices;

namespace Mailbox.Tests.Timers;

/// <summary>
/// The loop's timer queue on its own: whatever mix of in-order and out-of-order due times, and of cancels, it hands out
/// live timers in (due, scheduling order) and counts exactly what is pending. The loop is never started: the queue is
/// driven the way the loop thread drives it.
/// </summary>
public sealed class TimerQueueTests
{
    private static readonly Action s_noop = static () => { };

    [Theory]
    [InlineData(0.0, 0.0)] // all in due order: the run alone
    [InlineData(1.0, 0.0)] // all random: the heap does the work
    [InlineData(0.2, 0.3)] // mostly in order with stragglers, and cancels in both stores
    [InlineData(0.5, 0.6)] // enough cancels to purge
    public void Dequeue_MixedOrderAndCancels_LiveTimersComeOutByDueThenScheduleOrder(double outOfOrderShare, double cancelShare)
    {
        const int count = 20_000;
        var random = new Random(7 + (int)(outOfOrderShare * 10) + (int)(cancelShare * 100));
        var queue = new TimerQueue();
        var handles = new List<(TimerHandle Handle, long Due, int Order)>(count);
        long due = 1_000;
        for (int i = 0; i < count; i++)
        {
            // In order: at or after the previous in-order due time (ties included); out of order: anywhere before it.
            long thisDue = random.NextDouble() < outOfOrderShare ? random.NextInt64(0, due + 1) : due += random.Next(0, 3);
            var handle = new TimerHandle(null!, s_noop, 0) { InQueue = true };
            queue.Add(new TimerEntry(handle), thisDue);
            handles.Add((handle, thisDue, i));
        }

        int cancelled = 0;
        foreach (var (handle, _, _) in handles)
        {
            if (random.NextDouble() < cancelShare)
            {
                Assert.True(handle.CancelForStop());
                CountOut(queue, handle);
                cancelled++;
            }
        }

        Assert.Equal(count - cancelled, queue.Count);
        var expected = handles.Where(h => !h.Handle.IsCancelled).OrderBy(h => h.Due).ThenBy(h => h.Order).Select(h => h.Handle).ToList();
        var dueOf = handles.ToDictionary(h => h.Handle, h => h.Due);
        var actual = new List<TimerHandle>(expected.Count);
        while (queue.TryDequeueDue(long.MaxValue, long.MaxValue, out var entry, out long entryDue))
        {
            var handle = (TimerHandle)entry.Timer;
            Assert.Equal(dueOf[handle], entryDue);
            actual.Add(handle);
        }

        Assert.Equal(expected, actual);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void TryDequeueDue_StopsAtTheClockAndAtTimersSetDuringThePass()
    {
        var queue = new TimerQueue();
        var early = Add(queue, 10);
        var late = Add(queue, 20);
        var atNow = Add(queue, 15);
        long passLimit = queue.NextSequence;

        // The pass runs at 15: early and atNow are due; a zero delay set by one of them is due too, but waits for the next pass.
        Assert.True(queue.TryDequeueDue(15, passLimit, out var first, out long firstDue));
        Assert.Same(early, first.Timer);
        Assert.Equal(10, firstDue);
        var setDuringPass = Add(queue, 15);
        Assert.True(queue.TryDequeueDue(15, passLimit, out var second, out _));
        Assert.Same(atNow, second.Timer);
        Assert.False(queue.TryDequeueDue(15, passLimit, out _, out _));

        Assert.True(queue.TryDequeueDue(15, queue.NextSequence, out var third, out _));
        Assert.Same(setDuringPass, third.Timer);
        Assert.False(queue.TryDequeueDue(15, queue.NextSequence, out _, out _)); // 20 is not due at 15
        Assert.True(queue.TryPeekDue(out long next));
        Assert.Equal(20, next);
        Assert.True(queue.TryDequeueDue(20, queue.NextSequence, out var fourth, out _));
        Assert.Same(late, fourth.Timer);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void RemoveAll_TakesWhatItSelects_KeepsTheRestInOrder_AndDropsTheDead()
    {
        var queue = new TimerQueue();
        var dueOf = new Dictionary<TimerHandle, long>();
        var handles = Enumerable.Range(0, 3_000).Select(i =>
        {
            long due = i % 2 == 0 ? i : 3_000 - i;
            var handle = Add(queue, due);
            dueOf[handle] = due;
            return handle;
        }).ToList();
        foreach (var dead in handles.Where((_, i) => i % 3 == 0))
        {
            Assert.True(dead.CancelForStop());
            CountOut(queue, dead);
        }

        var removed = queue.RemoveAll(e => dueOf[(TimerHandle)e.Timer] % 5 == 0);

        Assert.All(removed, e => Assert.False(((TimerHandle)e.Timer).IsCancelled));
        Assert.Equal(handles.Count(h => !h.IsCancelled && dueOf[h] % 5 == 0), removed.Count);
        var expected = handles.Select((h, i) => (h, i)).Where(x => !x.h.IsCancelled && dueOf[x.h] % 5 != 0)
            .OrderBy(x => dueOf[x.h]).ThenBy(x => x.i).Select(x => x.h).ToList();
        Assert.Equal(expected.Count, queue.Count);
        var rest = new List<TimerHandle>();
        while (queue.TryDequeueDue(long.MaxValue, long.MaxValue, out var entry, out _))
        {
            rest.Add((TimerHandle)entry.Timer);
        }

        Assert.Equal(expected, rest);
    }

    [Fact]
    public void RemoveAll_WithTheWheelsLowestSlotOpen_TakesWhatItSelectsThere_KeepsTheRestInOrder_AndForgetsTheDead()
    {
        var queue = new TimerQueue();
        var random = new Random(17);
        var dueOf = new Dictionary<TimerHandle, long>();
        var handles = Enumerable.Range(0, 3_000).Select(_ =>
        {
            long due = random.NextInt64(0, 4_096); // random order, ties included: the wheel from the 256th on
            var handle = Add(queue, due);
            dueOf[handle] = due;
            return handle;
        }).ToList();
        var byKey = handles.Select((h, i) => (h, i)).OrderBy(x => dueOf[x.h]).ThenBy(x => x.i).Select(x => x.h).ToList();

        // Firing the ten earliest opens the lowest slot: the rest of it now waits sorted in the wheel's bottom.
        foreach (var expected in byKey.Take(10))
        {
            Assert.True(queue.TryDequeueDue(dueOf[expected], long.MaxValue, out var entry, out _));
            Assert.Same(expected, entry.Timer);
        }

        var left = byKey.Skip(10).ToList();
        for (int i = 0; i < left.Count; i += 3)
        {
            Assert.True(left[i].CancelForStop());
            if (i % 2 == 0)
            {
                CountOut(queue, left[i]); // counted dead; the others' cancel messages are still on the way
            }
        }

        var removed = queue.RemoveAll(e => dueOf[(TimerHandle)e.Timer] % 5 == 0);

        Assert.All(left.Where(h => h.IsCancelled), h => Assert.False(h.InQueue)); // a late cancel message finds nothing to count
        Assert.Equal(left.Where(h => !h.IsCancelled && dueOf[h] % 5 == 0), removed.Select(e => (TimerHandle)e.Timer).OrderBy(h => byKey.IndexOf(h)));
        var expectedRest = left.Where(h => !h.IsCancelled && dueOf[h] % 5 != 0).ToList();
        Assert.Equal(expectedRest.Count, queue.Count);
        Assert.Equal(expectedRest, Drain(queue));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void RemoveAll_HandlesWhoseCancelIsOnTheWay_AreForgottenInTheRunAndTheHeap()
    {
        var queue = new TimerQueue();
        var inOrder = Enumerable.Range(0, 50).Select(i => Add(queue, 1_000 + i)).ToList();
        var outOfOrder = Enumerable.Range(0, 50).Select(i => Add(queue, 500 - i)).ToList(); // fewer than the wheel takes
        var cancelled = inOrder.Where((_, i) => i % 4 == 0).Concat(outOfOrder.Where((_, i) => i % 4 == 1)).ToList();
        foreach (var handle in cancelled)
        {
            Assert.True(handle.CancelForStop()); // its TimerCancelled message not yet handled: still InQueue
        }

        Assert.Empty(queue.RemoveAll(_ => false));

        Assert.All(cancelled, h => Assert.False(h.InQueue));
        Assert.Equal(100 - cancelled.Count, queue.Count);
        Assert.Equal(outOfOrder.AsEnumerable().Reverse().Concat(inOrder).Where(h => !h.IsCancelled), Drain(queue));
    }

    [Fact]
    public void TryPeekWakeDue_AnEmptiedWheelAndATimerElsewhere_IsThatTimersDueTime()
    {
        var queue = new TimerQueue();
        for (int i = 0; i < 300; i++)
        {
            Add(queue, 3_000 - i); // out of order: the wheel takes them
        }

        Assert.Equal(300, Drain(queue).Count);
        var late = Add(queue, 10_000);

        Assert.True(queue.TryPeekWakeDue(out long wake));
        Assert.Equal(10_000, wake); // not the empty wheel's 0, which would wake the loop at once for nothing
        Assert.True(queue.TryPeekDue(out long exact));
        Assert.Equal(10_000, exact);
        Assert.Same(late, Assert.Single(Drain(queue)));
    }

    [Fact]
    public void OpeningALargeSlot_TheSortsScratchKeepsNoTimerAlive()
    {
        var queue = new TimerQueue();
        var weak = AddUnreferenced(queue, 2_000, new Random(5));
        Assert.Equal(2_000, DrainCount(queue));

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.Equal(0, weak.Count(w => w.IsAlive));
        GC.KeepAlive(queue);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference> AddUnreferenced(TimerQueue queue, int count, Random random) =>
        Enumerable.Range(0, count).Select(_ => new WeakReference(Add(queue, random.NextInt64(0, 1_000)))).ToList();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int DrainCount(TimerQueue queue) => Drain(queue).Count;

    private static List<TimerHandle> Drain(TimerQueue queue)
    {
        var drained = new List<TimerHandle>();
        while (queue.TryDequeueDue(long.MaxValue - 1, long.MaxValue, out var entry, out _))
        {
            drained.Add((TimerHandle)entry.Timer);
        }

        return drained;
    }

    private static TimerHandle Add(TimerQueue queue, long due)
    {
        var handle = new TimerHandle(null!, s_noop, 0) { InQueue = true };
        queue.Add(new TimerEntry(handle), due);
        return handle;
    }

    /// <summary>What the loop does when a handle is cancelled while in the queue.</summary>
    private static void CountOut(TimerQueue queue, TimerHandle handle)
    {
        if (handle.InQueue)
        {
            handle.InQueue = false;
            queue.NoteDead();
        }
    }
}
