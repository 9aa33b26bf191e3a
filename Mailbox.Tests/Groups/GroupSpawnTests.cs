using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary><see cref="LoopGroup.Spawn"/>: loops on the group's threads, counted while they live, refused once the group stops.</summary>
public sealed class GroupSpawnTests(ITestOutputHelper output) : GroupTestKit(output)
{
    [Fact]
    public async Task Spawn_AfterTheGroupsStopBegan_ThrowsLoopStopped()
    {
        await using var group = CreateGroup(threads: 1);
        var held = group.Spawn("held");
        using var gate = new Gate();
        held.Post(gate.Hold);
        await gate.EnteredAsync();

        var stop = group.StopAsync();
        Assert.False(stop.IsCompleted); // the held loop keeps the stop going
        Assert.Throws<LoopStoppedException>(() => group.Spawn("too late"));
        gate.Open();
        var report = await WithinAsync(stop);
        Assert.Equal(1, report.Loops);
        Assert.Equal(1, report.Executed);
        await WithinAsync(group.Completion);
        Assert.Throws<LoopStoppedException>(() => group.Spawn("much too late"));
    }

    [Fact]
    public async Task LoopCount_SpawnsAndStops_CountsTheLoopsNotYetStopped()
    {
        await using var group = CreateGroup(threads: 2);
        Assert.Equal(0, group.LoopCount);
        var loops = Enumerable.Range(0, 10).Select(i => group.Spawn($"counted {i}")).ToArray();
        Assert.Equal(10, group.LoopCount);
        await WithinAsync(loops[3].StopAsync());
        Assert.Equal(9, group.LoopCount);
        await WithinAsync(loops[3].StopAsync()); // a second stop changes nothing
        Assert.Equal(9, group.LoopCount);
        var report = await WithinAsync(group.StopAsync());
        Assert.Equal(0, group.LoopCount);
        Assert.Equal(10, report.Loops);
    }

    [Fact]
    public async Task Spawn_TenLoopsInAGroupOfTwo_UsesBothThreadsAndNeitherIsTheCallers()
    {
        await using var group = CreateGroup(threads: 2);
        var loops = Enumerable.Range(0, 10).Select(i => group.Spawn($"placed {i}")).ToArray();
        var threads = await ThreadsOfAsync(loops);
        Assert.Equal(2, threads.Distinct().Count()); // round-robin and least-loaded both spread a fresh group's loops
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, threads);
        Assert.All(loops, l => Assert.Equal(LoopState.Running, l.State));
    }

    [Fact]
    public async Task DisposeAsync_Group_StopsEveryLoopWithDrain()
    {
        var group = CreateGroup(threads: 2);
        var loops = Enumerable.Range(0, 4).Select(i => group.Spawn($"disposed {i}")).ToArray();
        long ran = 0;
        foreach (var loop in loops)
        {
            loop.Post(() => Interlocked.Increment(ref ran));
        }

        await group.DisposeAsync();
        var report = await WithinAsync(group.Completion);
        Assert.Equal(4, Interlocked.Read(ref ran));
        Assert.Equal(4, report.Executed);
        Assert.All(loops, l => Assert.Equal(StopMode.Drain, l.Completion.Result.Mode));
    }
}
