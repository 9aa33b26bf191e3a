namespace Mailbox.Akka;

/// <summary>What <see cref="LoopActorProps.Create"/> captured: the props' one argument, read by the <see cref="LoopDispatcher"/> to spawn the loop before the actor exists.</summary>
/// <param name="Name">The loop's name.</param>
/// <param name="Handler">The user's handler.</param>
/// <param name="Settings">Loop options and the stop timeout.</param>
internal sealed record LoopHostSpec(string Name, Func<object, LoopReplyContext, Task> Handler, LoopActorSettings Settings);
