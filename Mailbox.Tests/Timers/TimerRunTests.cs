namespace Mailbox.Tests.Timers;

/// <summary>The run's ring: first in, first out, across wrap-arounds and growth with the front anywhere in the array.</summary>
public sealed class TimerRunTests
{
    [Fact]
    public void EnqueueAndDequeue_Interleaved_AcrossWrapsAndGrowth_KeepArrivalOrder()
    {
        var run = new TimerRun();
        var random = new Random(5);
        long next = 0, expected = 0;
        for (int step = 0; step < 20_000; step++)
        {
            // More adds than takes on average, so the ring grows while its front has moved on.
            if (random.Next(5) < 3 || run.Count == 0)
            {
                run.Enqueue(default, new TimerKey(next, next));
                next++;
            }
            else
            {
                Assert.True(run.TryPeek(out var front));
                Assert.Equal(expected, front.Key.Sequence);
                Assert.Equal(expected, run.Dequeue().Key.Sequence);
                expected++;
            }

            Assert.Equal(next - expected, run.Count);
        }

        while (run.Count > 0)
        {
            Assert.Equal(expected++, run.Dequeue().Key.Sequence);
        }

        Assert.Equal(next, expected);
        Assert.False(run.TryPeek(out _));
    }
}
