using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary>
/// The timer paths the timers mutation run found untested: what the refusals say, a state-carrying timer set by a
/// callback of a draining loop, a periodic timer that fell behind by exactly whole periods, and a delay's awaiter used
/// by hand (awaited twice, read early, given its continuation after the end) and its two cancellation messages.
/// </summary>
public abstract class TimerEdgeTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task CallLater_BadDelays_SayWhatIsWrong()
    {
        await using var loop = Spawn();
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => loop.CallLater(TimeSpan.FromTicks(-1), () => { }));
        var beyond = Assert.Throws<ArgumentOutOfRangeException>(() => loop.CallLater(TimeSpan.MaxValue, static (int _) => { }, 0));

        Assert.StartsWith("A delay must be zero or positive; infinite delays are not timers.", negative.Message, StringComparison.Ordinal);
        Assert.StartsWith("The delay reaches beyond the clock's range.", beyond.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await WithinAsync(loop.QueryPendingAsync())).PendingTimers);
    }

    [Fact]
    public async Task CallLaterWithState_FromACallbackOfADrainingLoop_IsRefusedAndCountsNoTimer()
    {
        await using var loop = Spawn();
        var gate = await HoldAsync(loop);
        Exception? refusal = null;
        loop.Post(() => refusal = Record.Exception(() => loop.CallLater(OneSecond, static (int _) => { }, 1)));
        var stop = loop.StopAsync(StopMode.Drain);
        gate.Open();
        var report = await WithinAsync(stop);

        var stopped = Assert.IsType<LoopStoppedException>(refusal);
        Assert.Contains("the timer was refused", stopped.Message, StringComparison.Ordinal);
        Assert.Equal(0, report.CancelledTimers); // refused, not accepted and then cancelled
        Assert.Equal(2, report.Executed);
    }

    [Fact]
    public async Task CallLater_AfterTheStop_SaysATimerWasRefused()
    {
        var loop = Spawn();
        await WithinAsync(loop.StopAsync());
        var e = Assert.Throws<LoopStoppedException>(() => loop.CallLater(OneSecond, () => { }));
        Assert.Contains("the timer was refused", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallEvery_LoopBehindByExactlyTwoPeriods_FiresOnceAndIsDueOnePeriodAfterNow()
    {
        await using var loop = Spawn();
        int fired = 0;
        var start = Clock.GetUtcNow();
        await WithinAsync(loop.RunAsync(() => { loop.CallEvery(OneSecond, () => fired++); return Task.CompletedTask; }));

        // One jump (the kit's AdvanceAsync would stop at each due time): due at 1 s, fired at 2 s, where the slot at 2 s
        // is now, not in the future.
        Clock.Advance(2 * OneSecond);
        await RunUntilIdleAsync();
        var pending = await WithinAsync(loop.QueryPendingAsync());

        Assert.Equal(start + (3 * OneSecond), pending.NextTimerDue);
        Assert.Equal(1, await WithinAsync(loop.RunAsync(() => Task.FromResult(fired))));
    }

    [Fact]
    public async Task DelayAwaiter_ReadBeforeTheEnd_OrTwice_ThrowsInvalidOperation()
    {
        await using var loop = Spawn();
        var (early, twice) = await WithinAsync(loop.RunAsync(async () =>
        {
            var pending = LoopActor.Delay(OneSecond).GetAwaiter();
            var readEarly = Record.Exception(pending.GetResult);
            var zero = LoopActor.Delay(TimeSpan.Zero);
            await zero;
            var readAgain = Record.Exception(() => zero.GetAwaiter().GetResult());
            return (readEarly, readAgain);
        }));

        Assert.Equal("The delay has not ended; await it instead of reading its result.", Assert.IsType<InvalidOperationException>(early).Message);
        Assert.Equal("A LoopActor.Delay awaitable may be awaited only once.", Assert.IsType<InvalidOperationException>(twice).Message);
    }

    [Fact]
    public async Task DelayAwaiter_GivenItsContinuationAfterTheEnd_RunsItAtTheBackOfTheQueue()
    {
        await using var loop = Spawn();
        var order = await WithinAsync(loop.RunAsync(async () =>
        {
            var seen = new List<string>();
            var awaiter = LoopActor.Delay(TimeSpan.Zero).GetAwaiter();
            while (!awaiter.IsCompleted)
            {
                await LoopActor.Yield();
            }

            var resumed = new TaskCompletionSource();
            awaiter.UnsafeOnCompleted(() => { awaiter.GetResult(); seen.Add("continuation"); resumed.SetResult(); });
            seen.Add("after the call");
            await resumed.Task;
            return seen;
        }));

        Assert.Equal(["after the call", "continuation"], order);
    }

    [Fact]
    public async Task Delay_CancelledByItsToken_OrByTheStop_SaysWhich()
    {
        var loop = Spawn();
        var probe = CreateTestProbe();
        using var cts = new CancellationTokenSource();
        var byToken = loop.RunAsync(() => CancelMessageAsync(probe, "token", cts.Token));
        var byStop = loop.RunAsync(() => CancelMessageAsync(probe, "stop", CancellationToken.None));
        await probe.ExpectMsgAsync("token", Patience);
        await probe.ExpectMsgAsync("stop", Patience);

        await cts.CancelAsync();
        Assert.Equal("The delay was cancelled.", await WithinAsync(byToken));
        var stop = loop.StopAsync(StopMode.Immediate);
        Assert.Equal("The delay was cancelled by the loop's stop.", await WithinAsync(byStop));
        await WithinAsync(stop);
    }

    private static async Task<string> CancelMessageAsync(global::Akka.TestKit.TestProbe probe, string name, CancellationToken token)
    {
        probe.Tell(name);
        try
        {
            await LoopActor.Delay(OneSecond, token);
            return "not cancelled";
        }
        catch (OperationCanceledException e)
        {
            return e.Message;
        }
    }
}

/// <summary><see cref="TimerEdgeTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class TimerEdgeTests_Dedicated(ITestOutputHelper output) : TimerEdgeTests(output);

/// <summary><see cref="TimerEdgeTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class TimerEdgeTests_Grouped(ITestOutputHelper output) : TimerEdgeTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
