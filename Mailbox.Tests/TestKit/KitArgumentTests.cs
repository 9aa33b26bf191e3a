using Xunit.Abstractions;

namespace Mailbox.Tests.TestKit;

/// <summary>
/// The kit's refusals of bad input: each names the parameter, so a test that passes a null by mistake reads the
/// kit's refusal rather than a NullReferenceException from deep inside it.
/// </summary>
public sealed class KitArgumentTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task WithinAsync_NullTask_ThrowsArgumentNullNamingTask()
    {
        var plain = await Assert.ThrowsAsync<ArgumentNullException>(() => WithinAsync(null!));
        var typed = await Assert.ThrowsAsync<ArgumentNullException>(() => WithinAsync<int>(null!));

        Assert.Equal("task", plain.ParamName);
        Assert.Equal("task", typed.ParamName);
    }

    [Fact]
    public async Task HoldAsync_NullLoop_ThrowsArgumentNullNamingLoop()
    {
        var error = await Assert.ThrowsAsync<ArgumentNullException>(() => HoldAsync(null!));
        Assert.Equal("loop", error.ParamName);
    }

    [Fact]
    public void AssertOnLoopThread_NullLoop_ThrowsArgumentNullNamingLoop()
    {
        var error = Assert.Throws<ArgumentNullException>(() => AssertOnLoopThread(null!));
        Assert.Equal("loop", error.ParamName);
    }

    [Fact]
    public void EventsOf_NullLoop_ThrowsArgumentNullNamingLoop()
    {
        var error = Assert.Throws<ArgumentNullException>(() => EventsOf(null!));
        Assert.Equal("loop", error.ParamName);
    }

    [Fact]
    public async Task EventsOf_LoopNotSpawnedByTheKit_ThrowsArgumentSayingSoAndNamingLoop()
    {
        await using var stranger = LoopActor.Spawn("stranger");

        var error = Assert.Throws<ArgumentException>(() => EventsOf(stranger));

        Assert.Equal("loop", error.ParamName);
        Assert.StartsWith("loop 'stranger' was not spawned by this kit's Spawn", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpectEventAsync_NullProbe_ThrowsArgumentNullNamingProbe()
    {
        var error = await Assert.ThrowsAsync<ArgumentNullException>(() => LoopEventProbeExtensions.ExpectEventAsync<LoopStarted>(null!));
        Assert.Equal("probe", error.ParamName);
    }

    [Fact]
    public async Task ExpectNoEventAsync_NullProbe_ThrowsArgumentNullNamingProbe()
    {
        var error = await Assert.ThrowsAsync<ArgumentNullException>(() => LoopEventProbeExtensions.ExpectNoEventAsync<LoopStarted>(null!));
        Assert.Equal("probe", error.ParamName);
    }

    [Fact]
    public async Task AdvanceAsync_NegativeBy_ThrowsArgumentOutOfRangeNamingBy()
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => AdvanceAsync(TimeSpan.FromTicks(-1)));
        Assert.Equal("by", error.ParamName);
    }

    [Fact]
    public async Task AdvanceUntilNoTimersAsync_NegativeLimit_ThrowsArgumentOutOfRangeNamingLimitAndLeavesTheClock()
    {
        var start = Clock.GetUtcNow();

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => AdvanceUntilNoTimersAsync(TimeSpan.FromTicks(-1)));

        Assert.Equal("limit", error.ParamName);
        Assert.Equal(start, Clock.GetUtcNow());
    }

    [Fact]
    public async Task Spawn_UnknownLoopKind_ThrowsInvalidOperationNamingTheKind()
    {
        using var kit = new KitUnderTest(Output!, (LoopKind)42);

        var error = Assert.Throws<InvalidOperationException>(() => kit.Spawn());

        Assert.Equal("unknown loop kind 42", error.Message);
        await kit.DisposeAsync(); // nothing was spawned: the end has nothing to stop
    }
}
