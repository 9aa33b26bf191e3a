using System.Runtime.CompilerServices;
using Mailbox.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>Guarantee 9 for grouped loops: a stopped loop is unreachable from its group, which lives on.</summary>
public sealed class CollectabilityTests(ITestOutputHelper output) : GroupTestKit(output)
{
    [Fact]
    public async Task StopAsync_GroupedLoopStopped_BecomesCollectableWhileTheGroupRuns()
    {
        await using var group = CreateGroup(threads: 1);
        var survivor = group.Spawn("survivor"); // the thread goes on serving a sibling
        var weak = await SpawnUseAndStopAsync(group, clock: null);
        await this.AssertCollectedAsync(weak, "the stopped grouped loop is still reachable");
        Assert.Equal(1, await WithinAsync(survivor.RunAsync(() => Task.FromResult(1))));
    }

    [Fact]
    public async Task StopAsync_GroupedLoopWithATimerOnAFakeClockStopped_BecomesCollectable()
    {
        var clock = new FakeTimeProvider(); // outlives the loop: whatever it still held of the loop would keep it alive
        await using var group = CreateGroup(threads: 1);
        var survivor = group.Spawn("survivor");
        var weak = await SpawnUseAndStopAsync(group, clock);
        await this.AssertCollectedAsync(weak, "the stopped grouped loop is still reachable");
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, await WithinAsync(survivor.RunAsync(() => Task.FromResult(1))));
    }


    /// <summary>
    /// Spawns a loop, gives it a post, a coroutine with a Yield and (with a clock) a pending timer, stops it and
    /// returns only a weak reference: no frame of the test keeps the loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> SpawnUseAndStopAsync(LoopGroup group, FakeTimeProvider? clock)
    {
        var loop = group.Spawn("collectable", clock is null ? null : new LoopOptions { TimeProvider = clock });
        loop.Post(() => { });
        await loop.RunAsync(async () => await LoopActor.Yield());
        if (clock is not null)
        {
            loop.CallLater(TimeSpan.FromHours(1), () => { });
            await loop.QueryPendingAsync();
        }

        var report = await loop.StopAsync();
        Assert.Equal(2, report.Executed);
        Assert.Equal(clock is null ? 0 : 1, report.CancelledTimers);
        return new WeakReference(loop);
    }
}
