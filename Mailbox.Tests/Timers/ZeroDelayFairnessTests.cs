using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

public abstract class ZeroDelayFairnessTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task Delay_ZeroInALoopOnAFrozenFakeClock_LetsQueuedMessagesRun()
    {
        // A zero delay resumes at the next turn: a coroutine that keeps taking zero delays on a clock that never moves
        // must not turn one timer pass into an endless one and starve the mailbox.
        await using var loop = Spawn(new LoopOptions { TimeProvider = new FakeTimeProvider() });
        var probe = CreateTestProbe();
        using var stop = new CancellationTokenSource();
        var spinner = await StartSpinnerAsync(loop, stop);

        loop.Post(() => probe.Tell("posted message ran"));
        await probe.ExpectMsgAsync("posted message ran", Patience);
        await stop.CancelAsync();
        await WithinAsync(spinner);
    }

    [Fact]
    public async Task QueryPendingAsync_WhileACoroutineAwaitsZeroDelaysForever_SeesTheDelayPendingAtItsTurn()
    {
        // The loop takes a zero delay's pass inside the turn that set it, but a control message ends that: the query is
        // answered at the start of a turn, where the coroutine's latest zero delay is pending, due at the frozen clock.
        var clock = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        using var stop = new CancellationTokenSource();
        var spinner = await StartSpinnerAsync(loop, stop);

        var pending = await WithinAsync(loop.QueryPendingAsync());
        Assert.Equal(1, pending.LiveCoroutines);
        Assert.Equal(1, pending.PendingTimers);
        Assert.Equal(clock.GetUtcNow(), pending.NextTimerDue);
        await stop.CancelAsync();
        await WithinAsync(spinner);
    }

    [Fact]
    public async Task CallLater_ZeroFromInsideAFiringTimer_FiresAtTheNextTurnNotInTheSamePass()
    {
        var clock = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = clock });
        var seen = new List<string>(); // loop-owned
        await loop.RunAsync(() =>
        {
            loop.CallLater(TimeSpan.Zero, () =>
            {
                seen.Add("first timer");
                loop.Post(() => seen.Add("message posted by the first timer"));
                loop.CallLater(TimeSpan.Zero, () => seen.Add("timer set by the first timer"));
            });
            return Task.CompletedTask;
        });

        await AwaitAssertAsync(async () => Assert.Equal(3, (await loop.RunAsync(() => Task.FromResult(seen.Count)))), Patience);
        Assert.Equal(["first timer", "message posted by the first timer", "timer set by the first timer"], await loop.RunAsync(() => Task.FromResult(seen.ToArray())));
    }

    /// <summary>Starts a coroutine that awaits zero delays until <paramref name="stop"/> (or 5,000,000 of them), and returns once it runs.</summary>
    private async Task<Task> StartSpinnerAsync(LoopActor loop, CancellationTokenSource stop)
    {
        var probe = CreateTestProbe();
        var spinner = loop.RunAsync(async () =>
        {
            probe.Tell("spinning");
            for (int i = 0; i < 5_000_000 && !stop.IsCancellationRequested; i++)
            {
                await LoopActor.Delay(TimeSpan.Zero);
            }
        });
        await probe.ExpectMsgAsync("spinning", Patience);
        return spinner;
    }
}

/// <summary><see cref="ZeroDelayFairnessTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class ZeroDelayFairnessTests_Dedicated(ITestOutputHelper output) : ZeroDelayFairnessTests(output);

/// <summary><see cref="ZeroDelayFairnessTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class ZeroDelayFairnessTests_Grouped(ITestOutputHelper output) : ZeroDelayFairnessTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
