using Mailbox.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>
/// A loop's <see cref="TimeProvider"/> that fails on a thread its siblings share, or while the group stops: the loops
/// that use it fail, promptly, and every other loop and the group's stop go on (the kinds' common part is
/// <see cref="Timers.ProviderFailureTests"/>).
/// </summary>
public sealed class GroupProviderFailureTests(ITestOutputHelper output) : GroupTestKit(output)
{
    private static readonly TimeSpan Due = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task CallLater_TheClockFailsForGoodWhileASiblingKeepsTheThreadBusy_TheLoopEndsWithoutWaitingForTheThreadToIdle()
    {
        var fake = new FakeTimeProvider();
        var provider = new FailingTimeProvider(fake);
        await using var group = CreateGroup(threads: 1, turnBudget: 16);
        var failing = group.Spawn("failing", new LoopOptions { TimeProvider = provider });
        var busy = group.Spawn("busy", new LoopOptions { TimeProvider = fake });
        var probe = CreateTestProbe();
        failing.CallLater(Due, () => probe.Tell("fired"));
        await WithinAsync(failing.RunAsync(() => Task.CompletedTask));
        await AwaitConditionAsync(() => Task.FromResult(provider.Armings == 1), Patience); // the thread's clock is armed for it

        // The sibling re-posts itself until told to stop: the thread runs a turn after a turn and never idles.
        bool hogging = true;
        void Hog()
        {
            if (Volatile.Read(ref hogging))
            {
                busy.Post(Hog);
            }
        }

        busy.Post(Hog);
        provider.FailReadsWhenATimerFires(FailingTimeProvider.Every);
        fake.Advance(Due);

        var report = await WithinAsync(failing.Completion);
        Assert.Equal(new StopReport(StopMode.Immediate, 1, 0, 0, 1, false), report);
        Volatile.Write(ref hogging, false);
        Assert.Equal(7, await WithinAsync(busy.RunAsync(() => Task.FromResult(7))));
        await probe.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task StopAsync_OneLoopsProviderFailsToMakeTheTimeoutsTimer_ThrowsAfterStoppingEveryLoopAndTheReportIsExact()
    {
        var fake = new FakeTimeProvider();
        var provider = new FailingTimeProvider(fake);
        var group = CreateGroup(threads: 2);
        var loops = new[]
        {
            group.Spawn("first", new LoopOptions { TimeProvider = fake }),
            group.Spawn("failing", new LoopOptions { TimeProvider = provider }),
            group.Spawn("last", new LoopOptions { TimeProvider = fake }),
        };
        foreach (var loop in loops)
        {
            loop.Post(static () => { });
            loop.Post(static () => { });
        }

        provider.FailCreates(1);
        var thrown = Assert.Throws<ProviderFailureException>(() => { _ = group.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(5)); }); // thrown by the call, not through its task
        Assert.Contains("CreateTimer", thrown.Message, StringComparison.Ordinal);

        // Every loop is stopping, the failing one without a timeout; a later call returns the first call's task.
        Assert.All(loops, l => Assert.NotEqual(LoopState.Running, l.State));
        var report = await WithinAsync(Task.Run(() => group.StopAsync()));
        Assert.Equal(6, report.Executed);
        Assert.Equal(0, report.Discarded);
        Assert.False(report.TimedOut);
        await WithinAsync(group.Completion);
        foreach (var loop in loops)
        {
            Assert.Equal(new StopReport(StopMode.Drain, 2, 0, 0, 0, false), await WithinAsync(loop.Completion));
        }
    }
}
