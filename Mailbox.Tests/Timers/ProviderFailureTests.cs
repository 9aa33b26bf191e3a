using Mailbox.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary>
/// A <see cref="TimeProvider"/> that throws where the loop's thread uses it outside every turn — arming a loop's timer
/// after its turn, firing or arming the thread's clock while it idles — fails the loops that use it, never the thread:
/// a failure that lasts ends each such loop as an Immediate stop whose report counts its timers, one that has passed
/// loses no timer, and a sibling on another provider is served on. (Each of these ended the thread, and the test
/// host with it, before the thread caught what its clock threw.)
/// </summary>
public abstract class ProviderFailureTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan Due = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData("create")]
    [InlineData("arm")]
    public async Task CallLater_TheProviderFailsToArmTheTimerAfterTheTurn_EndsTheLoopImmediateAndCountsTheTimer(string failing)
    {
        var provider = new FailingTimeProvider(Clock);
        var collector = new FakeLogCollector();
        using var logging = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(collector)));
        var loop = Spawn(new LoopOptions { TimeProvider = provider, LoggerFactory = logging }, "failing");
        var sibling = await SiblingOfAsync(loop);
        var probe = CreateTestProbe();
        if (failing == "create")
        {
            provider.FailCreates(FailingTimeProvider.Every);
        }
        else
        {
            provider.FailChanges(FailingTimeProvider.Every);
        }

        loop.Post(() => loop.CallLater(Due, () => probe.Tell("fired")));

        var report = await WithinAsync(loop.Completion);
        Assert.Equal(new StopReport(StopMode.Immediate, Kind == LoopKind.Grouped ? 2 : 1, 0, 0, 1, false), report); // the post (and SiblingOfAsync's round trip); the timer
        Assert.Equal(1, provider.Failures);
        var failed = Assert.Single(collector.GetSnapshot(), r => r.Id.Id == 13);
        Assert.IsType<ProviderFailureException>(failed.Exception);
        await ExpectServedAsync(sibling);
        await probe.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task CallLater_TheClockFailsOnceWhileTheThreadFiresIt_TheTimerStillFires()
    {
        var provider = new FailingTimeProvider(Clock);
        var probe = CreateTestProbe();
        var loop = Spawn(new LoopOptions { TimeProvider = provider });
        loop.CallLater(Due, () => probe.Tell("fired"));
        await AwaitConditionAsync(() => Task.FromResult(provider.Armings == 1), Patience); // the thread's clock is armed
        await probe.ExpectNoMsgAsync(Quiet); // and the thread has parked

        provider.FailReadsWhenATimerFires(1); // the thread's first read after the wake-up: taking what is due
        Clock.Advance(Due);

        await probe.ExpectMsgAsync("fired", Patience);
        Assert.Equal(1, provider.Failures);
        Assert.Equal(LoopState.Running, loop.State);
        Assert.Equal(new StopReport(StopMode.Drain, 0, 0, 0, 0, false), await WithinAsync(loop.StopAsync()));
    }

    [Fact]
    public async Task CallLater_TheClockFailsOnceWhileTheThreadFiresIt_ALaterTimerIsArmedAgainAndFiresOnTime()
    {
        var provider = new FailingTimeProvider(Clock);
        var probe = CreateTestProbe();
        var loop = Spawn(new LoopOptions { TimeProvider = provider });
        loop.CallLater(Due, () => probe.Tell("first"));
        loop.CallLater(Due * 2, () => probe.Tell("second"));
        await AwaitConditionAsync(() => Task.FromResult(provider.Armings == 1), Patience);
        await probe.ExpectNoMsgAsync(Quiet);

        // The failure makes the clock hand the loop back to its turn, which fires the first timer and must register the
        // second anew: the registration the clock held is gone.
        provider.FailReadsWhenATimerFires(1);
        Clock.Advance(Due);
        await probe.ExpectMsgAsync("first", Patience);
        await probe.ExpectNoMsgAsync(Quiet);

        Clock.Advance(Due);
        await probe.ExpectMsgAsync("second", Patience);
        Assert.Equal(1, provider.Failures);
    }

    [Fact]
    public async Task CallLater_TheClockFailsForGoodWhileTheThreadFiresIt_EndsTheLoopImmediateAndCountsTheTimer()
    {
        var provider = new FailingTimeProvider(Clock);
        var probe = CreateTestProbe();
        var loop = Spawn(new LoopOptions { TimeProvider = provider }, "failing");
        var sibling = await SiblingOfAsync(loop);
        loop.CallLater(Due, () => probe.Tell("fired"));
        await AwaitConditionAsync(() => Task.FromResult(provider.Armings == 1), Patience);
        await probe.ExpectNoMsgAsync(Quiet);

        provider.FailReadsWhenATimerFires(FailingTimeProvider.Every);
        Clock.Advance(Due);

        // The clock hands the loop to a turn of its own; the turn's timer pass meets the failure and ends the loop.
        var report = await WithinAsync(loop.Completion);
        Assert.Equal(new StopReport(StopMode.Immediate, Kind == LoopKind.Grouped ? 1 : 0, 0, 0, 1, false), report);
        await ExpectServedAsync(sibling);
        await probe.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task CallLater_TheClockFailsOnceWhileTheIdleThreadArmsIt_TheTimerStillFiresOnTime()
    {
        var provider = new FailingTimeProvider(Clock);
        var probe = CreateTestProbe();
        var loop = Spawn(new LoopOptions { TimeProvider = provider });
        loop.CallLater(Due, () => probe.Tell("fired"));
        await WithinAsync(loop.RunAsync(() => Task.CompletedTask));
        await AwaitConditionAsync(() => Task.FromResult(provider.Armings == 1), Patience); // the turn that armed it has ended

        // A turn with a timer pending and none due reads no clock after its callbacks; the thread's next read is the one
        // that arms its clock before it parks.
        loop.Post(() => provider.FailReads(1));
        await AwaitConditionAsync(() => Task.FromResult(provider.Failures == 1), Patience);
        Clock.Advance(Due - TimeSpan.FromTicks(1));
        await probe.ExpectNoMsgAsync(Quiet);

        Clock.Advance(TimeSpan.FromTicks(1));
        await probe.ExpectMsgAsync("fired", Patience);
        Assert.Equal(1, provider.Failures);
        Assert.Equal(new StopReport(StopMode.Drain, 2, 0, 0, 0, false), await WithinAsync(loop.StopAsync()));
    }

    [Fact]
    public async Task CallLater_TheClockFailsForGoodWhileTheIdleThreadArmsIt_EndsTheLoopImmediateAndCountsTheTimer()
    {
        var provider = new FailingTimeProvider(Clock);
        var probe = CreateTestProbe();
        var loop = Spawn(new LoopOptions { TimeProvider = provider }, "failing");
        var sibling = await SiblingOfAsync(loop);
        loop.CallLater(Due, () => probe.Tell("fired"));
        await WithinAsync(loop.RunAsync(() => Task.CompletedTask));
        await AwaitConditionAsync(() => Task.FromResult(provider.Armings == 1), Patience);
        loop.Post(() => provider.FailReads(FailingTimeProvider.Every));

        var report = await WithinAsync(loop.Completion);
        Assert.Equal(new StopReport(StopMode.Immediate, Kind == LoopKind.Grouped ? 3 : 2, 0, 0, 1, false), report);
        await ExpectServedAsync(sibling);
        Clock.Advance(Due);
        await probe.ExpectNoMsgAsync(Quiet);
    }

    /// <summary>For a grouped loop, a sibling on the same thread that uses the test's own clock; null for a dedicated loop, alone on its thread.</summary>
    private async Task<LoopActor?> SiblingOfAsync(LoopActor loop) =>
        Kind == LoopKind.Grouped ? await SpawnOnTheSameThreadAsync(loop, () => Spawn(name: "sibling")) : null;

    /// <summary>The sibling's thread still runs its work (nothing to check for a dedicated loop, whose thread has ended with it).</summary>
    private static async Task ExpectServedAsync(LoopActor? sibling)
    {
        if (sibling is not null)
        {
            Assert.Equal(42, await WithinAsync(sibling.RunAsync(() => Task.FromResult(42))));
        }
    }
}

/// <summary><see cref="ProviderFailureTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class ProviderFailureTests_Dedicated(ITestOutputHelper output) : ProviderFailureTests(output);

/// <summary><see cref="ProviderFailureTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class ProviderFailureTests_Grouped(ITestOutputHelper output) : ProviderFailureTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
