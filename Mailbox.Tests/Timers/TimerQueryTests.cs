using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary><see cref="LoopActor.QueryPendingAsync"/> counts every pending timer, Delays included, and names the earliest due time.</summary>
public abstract class TimerQueryTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task QueryPendingAsync_TimersAndADelay_ReportsExactCountAndNextDueAndDropsOnCancel()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var start = fake.GetUtcNow();
        var empty = await loop.QueryPendingAsync();
        Assert.Equal(0, empty.PendingTimers);
        Assert.Null(empty.NextTimerDue);

        var later = loop.CallLater(TimeSpan.FromSeconds(5), () => probe.Tell("later"));
        var at = loop.CallAt(start + TimeSpan.FromSeconds(3), () => probe.Tell("at"));
        var every = loop.CallEvery(TimeSpan.FromSeconds(2), () => probe.Tell("every"));
        var coroutine = loop.RunAsync(async () =>
        {
            var delay = LoopActor.Delay(TimeSpan.FromSeconds(1));
            probe.Tell("armed");
            await delay;
        });
        await probe.ExpectMsgAsync("armed", Patience);
        await AssertPending(4, start + TimeSpan.FromSeconds(1));

        // A cancel from this thread reaches the loop before the next query (both on the control lane).
        Assert.True(at.Cancel());
        await AssertPending(3, start + TimeSpan.FromSeconds(1));

        fake.Advance(TimeSpan.FromSeconds(1));
        await WithinAsync(coroutine);
        await AssertPending(2, start + TimeSpan.FromSeconds(2));

        Assert.True(every.Cancel());
        await AssertPending(1, start + TimeSpan.FromSeconds(5));

        Assert.True(later.Cancel());
        await AssertPending(0, null);

        fake.Advance(TimeSpan.FromSeconds(10));
        await probe.ExpectNoMsgAsync(Quiet);

        async Task AssertPending(int timers, DateTimeOffset? next)
        {
            var pending = await loop.QueryPendingAsync();
            Assert.Equal(timers, pending.PendingTimers);
            Assert.Equal(next, pending.NextTimerDue);
        }
    }

    [Fact]
    public async Task QueryPendingAsync_CancelledDelayAndFiredOneShot_AreNoLongerCounted()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var start = fake.GetUtcNow();
        using var cts = new CancellationTokenSource();
        var coroutine = loop.RunAsync(async () =>
        {
            var delay = LoopActor.Delay(TimeSpan.FromSeconds(1), cts.Token);
            probe.Tell("armed");
            await delay;
        });
        var oneShot = loop.CallLater(TimeSpan.FromSeconds(2), () => probe.Tell("fired"));
        var lastOne = loop.CallLater(TimeSpan.FromSeconds(3), () => probe.Tell("last"));
        await probe.ExpectMsgAsync("armed", Patience);
        var pending = await loop.QueryPendingAsync();
        Assert.Equal(3, pending.PendingTimers);
        Assert.Equal(start + TimeSpan.FromSeconds(1), pending.NextTimerDue);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WithinAsync(coroutine));
        pending = await loop.QueryPendingAsync();
        Assert.Equal(2, pending.PendingTimers);
        Assert.Equal(start + TimeSpan.FromSeconds(2), pending.NextTimerDue);

        fake.Advance(TimeSpan.FromSeconds(2));
        await probe.ExpectMsgAsync("fired", Patience);
        await AwaitAssertAsync(
            async () =>
            {
                var now = await loop.QueryPendingAsync();
                Assert.Equal(1, now.PendingTimers);
                Assert.Equal(start + TimeSpan.FromSeconds(3), now.NextTimerDue);
            },
            Patience,
            TimeSpan.FromMilliseconds(5));
        Assert.True(oneShot.HasFired);
        Assert.True(lastOne.Cancel());
    }
}

/// <summary><see cref="TimerQueryTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class TimerQueryTests_Dedicated(ITestOutputHelper output) : TimerQueryTests(output);

/// <summary><see cref="TimerQueryTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class TimerQueryTests_Grouped(ITestOutputHelper output) : TimerQueryTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
