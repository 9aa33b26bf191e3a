using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary><see cref="LoopActor.CallEvery"/>: fires at every period without drift, skips missed slots, and stops on <see cref="TimerHandle.Cancel"/>.</summary>
public abstract class CallEveryTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task CallEvery_ClockAdvancedPeriodByPeriod_FiresAtEachMultipleOfThePeriod()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var start = fake.GetUtcNow();
        var handle = loop.CallEvery(Period, () => probe.Tell(fake.GetUtcNow() - start));
        Assert.Equal(start + Period, (await loop.QueryPendingAsync()).NextTimerDue);

        // Not a moment early.
        fake.Advance(Period - TimeSpan.FromTicks(1));
        await probe.ExpectNoMsgAsync(Quiet);
        fake.Advance(TimeSpan.FromTicks(1));
        await probe.ExpectMsgAsync(Period, Patience);

        for (int n = 2; n <= 4; n++)
        {
            fake.Advance(Period);
            await probe.ExpectMsgAsync(n * Period, Patience);
            await AwaitNextDueAsync(loop, start + ((n + 1) * Period));
        }

        await probe.ExpectNoMsgAsync(Quiet);
        Assert.True(handle.HasFired);
        Assert.False(handle.IsCancelled);
        Assert.True(handle.Cancel());
    }

    [Fact]
    public async Task CallEvery_LoopFellBehindByThreeAndAHalfPeriods_FiresOnceAndNextAtTheFourthPeriod()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var start = fake.GetUtcNow();
        var handle = loop.CallEvery(Period, () => probe.Tell(fake.GetUtcNow() - start));
        await loop.QueryPendingAsync();

        fake.Advance(3.5 * Period);
        await probe.ExpectMsgAsync(3.5 * Period, Patience);
        await probe.ExpectNoMsgAsync(Quiet);
        await AwaitNextDueAsync(loop, start + (4 * Period));

        fake.Advance(0.5 * Period - TimeSpan.FromTicks(1));
        await probe.ExpectNoMsgAsync(Quiet);
        fake.Advance(TimeSpan.FromTicks(1));
        await probe.ExpectMsgAsync(4 * Period, Patience);
        await AwaitNextDueAsync(loop, start + (5 * Period));
        Assert.True(handle.Cancel());
    }

    [Fact]
    public async Task Cancel_RepeatingTimer_StopsTheRepetitionAndASecondCancelReturnsFalse()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var handle = loop.CallEvery(Period, () => probe.Tell("tick"));
        await loop.QueryPendingAsync();
        fake.Advance(Period);
        await probe.ExpectMsgAsync("tick", Patience);
        fake.Advance(Period);
        await probe.ExpectMsgAsync("tick", Patience);

        Assert.True(handle.Cancel());
        Assert.True(handle.IsCancelled);
        Assert.True(handle.HasFired);
        Assert.False(handle.Cancel());
        var pending = await loop.QueryPendingAsync();
        Assert.Equal(0, pending.PendingTimers);
        Assert.Null(pending.NextTimerDue);

        fake.Advance(5 * Period);
        await probe.ExpectNoMsgAsync(Quiet);
        Assert.False(handle.Cancel());
    }

    [Fact]
    public async Task Cancel_RepeatingTimerFromItsOwnCallback_StopsTheRepetition()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        TimerHandle? handle = null;
        int ticks = 0;
        handle = await loop.RunAsync(() => Task.FromResult(loop.CallEvery(Period, () =>
        {
            probe.Tell(++ticks == 2 ? handle!.Cancel() : false);
        })));

        fake.Advance(Period);
        await probe.ExpectMsgAsync(false, Patience);
        fake.Advance(Period);
        await probe.ExpectMsgAsync(true, Patience);
        Assert.Equal(0, (await loop.QueryPendingAsync()).PendingTimers);
        fake.Advance(5 * Period);
        await probe.ExpectNoMsgAsync(Quiet);
        Assert.Equal(2, await WithinAsync(loop.RunAsync(() => Task.FromResult(ticks))));
    }

    [Fact]
    public async Task Cancel_OneShotAfterItFired_ReturnsFalse()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var handle = loop.CallLater(Period, () => probe.Tell("fired"));
        await loop.QueryPendingAsync();
        Assert.False(handle.HasFired);

        fake.Advance(Period);
        await probe.ExpectMsgAsync("fired", Patience);
        Assert.True(handle.HasFired);
        Assert.False(handle.Cancel());
        Assert.False(handle.IsCancelled);
    }

    [Fact]
    public async Task Cancel_OneShotBeforeItFired_ReturnsTrueOnceAndItNeverFires()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var handle = loop.CallLater(Period, () => probe.Tell("fired"));
        var witness = loop.CallLater(2 * Period, () => probe.Tell("witness"));
        await loop.QueryPendingAsync();

        Assert.True(handle.Cancel());
        Assert.False(handle.Cancel());
        fake.Advance(2 * Period);
        await probe.ExpectMsgAsync("witness", Patience);
        Assert.False(handle.HasFired);
        Assert.True(handle.IsCancelled);
        Assert.True(witness.HasFired);
    }

    private async Task AwaitNextDueAsync(LoopActor loop, DateTimeOffset expected) =>
        await AwaitAssertAsync(
            async () => Assert.Equal(expected, (await loop.QueryPendingAsync()).NextTimerDue),
            Patience,
            TimeSpan.FromMilliseconds(5));
}

/// <summary><see cref="CallEveryTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class CallEveryTests_Dedicated(ITestOutputHelper output) : CallEveryTests(output);

/// <summary><see cref="CallEveryTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class CallEveryTests_Grouped(ITestOutputHelper output) : CallEveryTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
