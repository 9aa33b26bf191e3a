using Xunit.Abstractions;

namespace Mailbox.Tests.TestKit;

/// <summary>
/// The kit's record of one loop (<see cref="LoopUnderTest"/>) in the moment between the loop's start and the spawn's
/// return, when its first events may already come: no public path of the kit reaches it in a fixed order, so it is
/// driven directly.
/// </summary>
public sealed class LoopUnderTestTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task Loop_BeforeAttach_ThrowsSayingItIsStillBeingSpawned()
    {
        using var kit = new KitUnderTest(Output!);
        var watched = new LoopUnderTest(kit, kit.Clock, inner: null);
        await using var loop = LoopActor.Spawn("attached later");

        var error = Assert.Throws<InvalidOperationException>(() => watched.Loop);

        Assert.Equal("the loop is still being spawned", error.Message);
        Assert.Equal("a loop being spawned", watched.ToString());
        Assert.False(watched.Is(loop));

        watched.Attach(loop);

        Assert.Same(loop, watched.Loop);
        Assert.Equal("loop 'attached later' (Running)", watched.ToString());
        Assert.True(watched.Is(loop));
        await kit.DisposeAsync();
    }
}
