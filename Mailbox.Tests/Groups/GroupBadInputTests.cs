using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>
/// Bad input to <see cref="LoopGroup"/>: each case asserts the exception's exact type, that its message names what was
/// wrong, and that the group kept every message it had accepted.
/// </summary>
public sealed class GroupBadInputTests(ITestOutputHelper output) : GroupTestKit(output)
{
    public static TheoryData<int> BadCounts => [0, -1, int.MinValue];

    [Fact]
    public void Create_NullName_ThrowsArgumentNull() =>
        Assert.Throws<ArgumentNullException>(() => LoopGroup.Create(null!));

    [Fact]
    public void Create_EmptyName_ThrowsArgument() =>
        Assert.Throws<ArgumentException>(() => LoopGroup.Create(""));

    [Theory]
    [MemberData(nameof(BadCounts))]
    public void Create_ThreadCountNotPositive_ThrowsArgumentOutOfRangeNamingIt(int threads)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LoopGroup.Create("bad", new LoopGroupOptions { ThreadCount = threads }));
        Assert.Equal("options.ThreadCount", e.ParamName);
    }

    [Theory]
    [MemberData(nameof(BadCounts))]
    public void Create_TurnBudgetNotPositive_ThrowsArgumentOutOfRangeNamingIt(int budget)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LoopGroup.Create("bad", new LoopGroupOptions { TurnBudget = budget }));
        Assert.Equal("options.TurnBudget", e.ParamName);
    }

    [Fact]
    public async Task Spawn_BadNameOrOptions_ThrowsAndTheGroupCountsNoLoop()
    {
        await using var group = CreateGroup(threads: 1);
        Assert.Throws<ArgumentNullException>(() => group.Spawn(null!));
        Assert.Throws<ArgumentException>(() => group.Spawn(""));
        Assert.Throws<ArgumentOutOfRangeException>(() => group.Spawn("x", new LoopOptions { MailboxCapacity = 0 }));
        Assert.Equal(0, group.LoopCount);
        var good = group.Spawn("good");
        Assert.Equal(1, await WithinAsync(good.RunAsync(() => Task.FromResult(1))));
        Assert.Equal(1, (await WithinAsync(group.StopAsync())).Loops);
    }

    [Fact]
    public async Task Spawn_AfterTheGroupsStopBegan_ThrowsLoopStoppedNamingTheGroupAndTheLoop()
    {
        await using var group = CreateGroup(threads: 1);
        var loop = group.Spawn("first");
        loop.Post(() => { });
        var stop = group.StopAsync();

        var refused = Assert.Throws<LoopStoppedException>(() => group.Spawn("refused one"));

        Assert.Contains($"'{group.Name}'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'refused one'", refused.Message, StringComparison.Ordinal);
        var report = await WithinAsync(stop);
        Assert.Equal(1, report.Loops);
        Assert.Equal(1, report.Executed); // the message accepted before the refused spawn
    }

    [Fact]
    public async Task StopAsync_NegativeTimeoutOrUnknownMode_ThrowsWithAMessageThatSaysWhyAndTheGroupKeepsItsWork()
    {
        await using var group = CreateGroup(threads: 1);
        var loop = group.Spawn("keeps running");
        long ran = 0;
        loop.Post(() => Interlocked.Increment(ref ran));

        var timeout = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = group.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(-1)); });
        var mode = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = group.StopAsync((StopMode)42); });

        Assert.Equal("timeout", timeout.ParamName);
        Assert.Contains("must not be negative", timeout.Message, StringComparison.Ordinal);
        Assert.Equal("mode", mode.ParamName);
        Assert.Contains("Unknown StopMode", mode.Message, StringComparison.Ordinal);
        var spawned = group.Spawn("still spawning"); // the refused stops did not begin the group's stop
        Assert.Equal(LoopState.Running, loop.State);
        Assert.Equal(2, await WithinAsync(spawned.RunAsync(() => Task.FromResult(2))));
        var report = await WithinAsync(group.StopAsync());
        Assert.Equal(1, Interlocked.Read(ref ran));
        Assert.Equal(2, report.Executed); // the post and the RunAsync: nothing accepted was dropped
        Assert.Equal(0, report.Discarded);
    }

    [Fact]
    public async Task StopAsync_ZeroTimeout_IsAValidTimeoutAndStopsEveryLoop()
    {
        await using var group = CreateGroup(threads: 2);
        var loops = Enumerable.Range(0, 4).Select(i => group.Spawn($"zero {i}")).ToArray();
        foreach (var loop in loops)
        {
            loop.Post(() => { });
        }

        // The loops run on the system clock here, so a zero timeout may pass before or after a loop drains: either way
        // the stop is accepted and every message is counted once, run or discarded.
        var report = await WithinAsync(group.StopAsync(StopMode.Drain, TimeSpan.Zero));

        Assert.Equal(loops.Length, report.Loops);
        Assert.Equal(loops.Length, report.Executed + report.Discarded);
        await WithinAsync(group.Completion);
        Assert.All(loops, l => Assert.Equal(LoopState.Stopped, l.State));
    }
}
