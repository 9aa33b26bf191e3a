using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Scheduling;

/// <summary>
/// How a loop thread's clock arms its one provider timer (Scheduling/LoopClock.cs), seen through a provider that
/// records every arming: a far-off timer is armed in steps of at most seven days (a provider timer may not take a due
/// time of months), and still fires at its due time, exactly once; when the last loop with a timer on a clock finishes
/// while the thread serves on, the clock disarms its provider timer instead of leaving a wake-up for nobody.
/// </summary>
public sealed class LoopClockArmingTests(ITestOutputHelper output) : GroupTestKit(output)
{
    private static readonly TimeSpan Step = TimeSpan.FromDays(7);

    [Fact]
    public async Task FarOffTimer_IsArmedInStepsOfAtMostSevenDaysAndFiresAtItsDueTime()
    {
        var recorder = new RecordingTimeProvider(Clock);
        await using var loop = Spawn(new LoopOptions { TimeProvider = recorder });
        int fired = 0;
        loop.CallLater(TimeSpan.FromDays(30), () => fired++);

        await AwaitConditionAsync(() => Task.FromResult(recorder.Changes.Count > 0), Patience);
        Assert.Equal(Step, recorder.Changes[0]);

        Clock.Advance(TimeSpan.FromDays(30) - TimeSpan.FromTicks(1));
        await AwaitConditionAsync(() => Task.FromResult(recorder.Changes.Count > 1), Patience); // re-armed after the step
        Assert.All(recorder.Changes, c => Assert.InRange(c, TimeSpan.FromTicks(1), Step));
        Assert.Equal(0, await WithinAsync(loop.RunAsync(() => Task.FromResult(fired))));

        Clock.Advance(TimeSpan.FromTicks(1));
        await AwaitConditionAsync(() => loop.RunAsync(() => Task.FromResult(fired == 1)), Patience);
    }

    [Fact]
    public async Task LastLiveTimerOfAClockGoesWithItsLoop_TheClockDisarmsItsProviderTimer()
    {
        var recorder = new RecordingTimeProvider(Clock);
        await using var group = CreateGroup(threads: 1);
        var stays = group.Spawn("stays", new LoopOptions { TimeProvider = recorder });
        var timed = group.Spawn("timed", new LoopOptions { TimeProvider = recorder });

        // The sibling's timer fires, so the sibling still uses the clock (it is not pruned) but holds no entry in it.
        int fired = 0;
        stays.CallLater(TimeSpan.FromMinutes(1), () => fired++);
        timed.CallLater(TimeSpan.FromHours(1), () => { });
        await AwaitConditionAsync(() => Task.FromResult(recorder.Changes.Count > 0), Patience);
        Clock.Advance(TimeSpan.FromMinutes(1));
        await AwaitConditionAsync(() => stays.RunAsync(() => Task.FromResult(fired == 1)), Patience);
        await AwaitConditionAsync(() => Task.FromResult(recorder.Changes[^1] == TimeSpan.FromMinutes(59)), Patience);

        Assert.Equal(1, (await WithinAsync(timed.StopAsync())).CancelledTimers);

        // Only the finished loop's stale entry is left: armed on, the provider would wake the thread for nobody.
        await AwaitConditionAsync(() => Task.FromResult(recorder.Changes[^1] == Timeout.InfiniteTimeSpan), Patience);
        Assert.Equal(1, (await WithinAsync(group.StopAsync())).CancelledTimers);
    }
}
