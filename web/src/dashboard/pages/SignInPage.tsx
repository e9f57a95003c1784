import { AuthForm } from "./AuthForm";

export function SignInPage() {
  return <AuthForm mode="signin" />;
}
