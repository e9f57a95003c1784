import { AuthForm } from "./AuthForm";

export function SignUpPage() {
  return <AuthForm mode="signup" />;
}
