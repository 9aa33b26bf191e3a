using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary>Timers fire in due order, FIFO for equal due times, and only once their due time has come.</summary>
public abstract class TimerOrderTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private const int TimerCount = 10_000;

    /// <summary>Due times are drawn from this many whole milliseconds, so about ten timers share each due time.</summary>
    private const int SpreadMs = 1_000;

    private const int Steps = 10;

    [Fact]
    public async Task CallLaterAndCallAt_TenThousandRandomDueTimes_FireInDueOrderAndFifoForTies()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });

        var random = new Random(20240613);
        int[] delaysMs = new int[TimerCount];
        for (int i = 0; i < delaysMs.Length; i++)
        {
            delaysMs[i] = random.Next(SpreadMs);
        }

        // Owned by the loop thread: only timer callbacks and RunAsync coroutines touch it.
        var firings = new List<int>(TimerCount);
        var start = await loop.RunAsync(() =>
        {
            var now = fake.GetUtcNow();
            for (int i = 0; i < delaysMs.Length; i++)
            {
                int index = i;
                var delay = TimeSpan.FromMilliseconds(delaysMs[i]);
                Action record = () =>
                {
                    firings.Add(index);
                    if (firings.Count == TimerCount)
                    {
                        probe.Tell("all fired");
                    }
                };

                // Half by delay, half by absolute time: both go into the same queue with the same tie-break.
                _ = i % 2 == 0 ? loop.CallLater(delay, record) : loop.CallAt(now + delay, record);
            }

            return Task.FromResult(now);
        });

        // The zero-delay timers fire without the clock moving; nothing else may.
        await AssertPendingAsync(loop, start, delaysMs, elapsedMs: 0);

        int stepMs = SpreadMs / Steps;
        for (int step = 1; step <= Steps; step++)
        {
            fake.Advance(TimeSpan.FromMilliseconds(stepMs));
            if (step < Steps)
            {
                await AssertPendingAsync(loop, start, delaysMs, elapsedMs: step * stepMs);
            }
        }

        await probe.ExpectMsgAsync("all fired", Patience);
        int[] fired = await WithinAsync(loop.RunAsync(() => Task.FromResult(firings.ToArray())));

        int[] expected = Enumerable.Range(0, TimerCount).OrderBy(i => delaysMs[i]).ThenBy(i => i).ToArray();
        Assert.Equal(expected, fired);
        var pending = await loop.QueryPendingAsync();
        Assert.Equal(0, pending.PendingTimers);
        Assert.Null(pending.NextTimerDue);
    }

    /// <summary>Waits until the loop has fired exactly the timers due by <paramref name="elapsedMs"/>, and no other.</summary>
    private async Task AssertPendingAsync(LoopActor loop, DateTimeOffset start, int[] delaysMs, int elapsedMs)
    {
        int stillPending = delaysMs.Count(d => d > elapsedMs);
        var nextDue = start + TimeSpan.FromMilliseconds(delaysMs.Where(d => d > elapsedMs).Min());
        await AwaitAssertAsync(
            async () =>
            {
                var pending = await loop.QueryPendingAsync();
                Assert.Equal(stillPending, pending.PendingTimers);
                Assert.Equal(nextDue, pending.NextTimerDue);
            },
            Patience,
            TimeSpan.FromMilliseconds(5));
    }
}

/// <summary><see cref="TimerOrderTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class TimerOrderTests_Dedicated(ITestOutputHelper output) : TimerOrderTests(output);

/// <summary><see cref="TimerOrderTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class TimerOrderTests_Grouped(ITestOutputHelper output) : TimerOrderTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
