using Xunit.Abstractions;
using Xunit.Sdk;

namespace Mailbox.Tests.TestKit;

/// <summary><see cref="Gate"/>: its bounded wait for a loop that never comes, and a gate disposed by the test and again by the end.</summary>
public sealed class GateTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task EnteredAsync_NoLoopEverHolds_FailsAfterPatienceSayingWhy()
    {
        using var gate = new Gate(); // never posted: the wrong test that forgot to

        // The one wait of the kit not shortened in its tests: the gate's bound is Patience itself (10 s).
        var failure = await Assert.ThrowsAsync<XunitException>(gate.EnteredAsync);

        Assert.Equal($"the loop never entered the gate within {Patience} (is it held by another callback, or stopped?)", failure.Message);
        Assert.False(gate.IsEntered);
    }

    [Fact]
    public async Task HoldAsync_GateTheTestDisposedItself_TheEndDisposesItAgainWithoutError()
    {
        using var kit = new KitUnderTest(Output!);
        var loop = kit.Spawn();
        using (var gate = await kit.HoldAsync(loop))
        {
            Assert.True(gate.IsEntered);
        }

        await kit.DisposeAsync(); // disposes every gate it handed out, this one a second time

        Assert.Equal(LoopState.Stopped, loop.State);
    }
}
