using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>Bad input to <see cref="LoopGroup"/>, each case asserting the exception's exact type.</summary>
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
    public void Create_ThreadCountNotPositive_ThrowsArgumentOutOfRange(int threads) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LoopGroup.Create("bad", new LoopGroupOptions { ThreadCount = threads }));

    [Theory]
    [MemberData(nameof(BadCounts))]
    public void Create_TurnBudgetNotPositive_ThrowsArgumentOutOfRange(int budget) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LoopGroup.Create("bad", new LoopGroupOptions { TurnBudget = budget }));

    [Fact]
    public async Task Spawn_BadNameOrOptions_ThrowsAndTheGroupCountsNoLoop()
    {
        await using var group = CreateGroup(threads: 1);
        Assert.Throws<ArgumentNullException>(() => group.Spawn(null!));
        Assert.Throws<ArgumentException>(() => group.Spawn(""));
        Assert.Throws<ArgumentOutOfRangeException>(() => group.Spawn("x", new LoopOptions { MailboxCapacity = 0 }));
        Assert.Equal(0, group.LoopCount);
        var good = group.Spawn("good");
        Assert.Equal(1, await Within(good.RunAsync(() => Task.FromResult(1))));
        Assert.Equal(1, (await Within(group.StopAsync())).Loops);
    }

    [Fact]
    public async Task StopAsync_NegativeTimeoutOrUnknownMode_ThrowsAndTheGroupKeepsRunning()
    {
        await using var group = CreateGroup(threads: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = group.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(-1)); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = group.StopAsync((StopMode)42); });
        var loop = group.Spawn("still spawning");
        Assert.Equal(LoopState.Running, loop.State);
        Assert.Equal(2, await Within(loop.RunAsync(() => Task.FromResult(2))));
    }
}
