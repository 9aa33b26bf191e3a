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
