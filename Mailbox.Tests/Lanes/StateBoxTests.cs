namespace Mailbox.Tests.Lanes;

/// <summary>
/// The pool of value-type state boxes on its own: boxes given back on one thread come out again on another once a batch
/// is full, cleared, and the pool keeps no reference to a state after its callback.
/// </summary>
public sealed class StateBoxTests
{
    [Fact]
    public async Task BoxesGivenBackOnOneThread_AreRentedOnAnother_OnceABatchIsFull()
    {
        // One state type per test: the pool is per type and process-wide.
        var given = Enumerable.Range(0, 64).Select(_ => StateBox<BatchState>.Rent()).ToList();
        await Task.Run(() => given.ForEach(box => box.Recycle())); // another thread: fills one batch and hands it over
        var rented = await Task.Run(() => Enumerable.Range(0, 64).Select(_ => StateBox<BatchState>.Rent()).ToList());
        Assert.Equal(given.ToHashSet(ReferenceEqualityComparer.Instance), rented.ToHashSet(ReferenceEqualityComparer.Instance));
    }

    [Fact]
    public void ABoxGivenBack_KeepsNeitherItsCallbackNorItsState()
    {
        var box = StateBox<HoldingState>.Rent();
        box.Callback = static _ => { };
        box.State = new HoldingState(new object());
        box.Recycle();
        Assert.Null(box.Callback);
        Assert.Null(box.State.Held);
    }

    private readonly record struct BatchState(int Value);

    private readonly record struct HoldingState(object? Held);
}
