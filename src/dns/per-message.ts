import { isSharedResolver, type Resolver } from './resolver.js';

// Every check of one message asks DNS through the same budgeted view of the shared resolver, so
// the budget is the message's, not each check's. The view is found by the message object; it goes
// when the message does.

const views = new WeakMap<object, Resolver>();

/** The message's view of the resolver (the resolver itself when it has no budgets: a test's fake). */
export function messageResolver(resolver: Resolver, message: object): Resolver {
  if (!isSharedResolver(resolver)) return resolver;
  let view = views.get(message);
  if (view === undefined) {
    view = resolver.forMessage();
    views.set(message, view);
  }
  return view;
}
